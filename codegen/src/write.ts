import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { generatePortal, readIfExists, replaceSection, staleGenerated, type ApiEntry } from "./generate.js";
import { prettierFormat } from "./format.js";
import type { PortalModel } from "./model.js";

/** What one portal's generation changed (or, in check mode, would change). */
export interface WriteResult {
  model: PortalModel;
  /** Files written (or, with `check`, files that differ from a fresh run). */
  changed: string[];
}

/**
 * Generates one portal and writes what differs: generated files wholly, the README's operations
 * table between its markers, scaffold files only when absent, and removes generated files that
 * are no longer produced. With `check`, writes nothing and reports what would change.
 */
export async function writePortal(repoRoot: string, api: ApiEntry, check = false): Promise<WriteResult> {
  const { files, model } = await generatePortal(repoRoot, api);
  const changed: string[] = [];
  // Scaffold first: a new package's README must exist before its operations table is filled in.
  const order = { scaffold: 0, generated: 1, section: 2 };
  for (const file of [...files].sort((a, b) => order[a.kind] - order[b.kind])) {
    const target = resolve(repoRoot, file.path);
    const current = await readIfExists(target);
    let wanted: string | undefined;
    if (file.kind === "generated") wanted = file.content;
    else if (file.kind === "scaffold")
      wanted = current === undefined ? await prettierFormat(repoRoot, file.path, file.content) : undefined;
    else if (current !== undefined) wanted = await replaceSection(repoRoot, file.path, current, file.content);
    if (wanted === undefined || wanted === current) continue;
    changed.push(file.path);
    if (check) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, wanted);
  }
  for (const stale of await staleGenerated(repoRoot, api, files)) {
    changed.push(check ? `${stale} (no longer generated)` : stale);
    if (!check) await rm(resolve(repoRoot, stale));
  }
  return { model, changed };
}
