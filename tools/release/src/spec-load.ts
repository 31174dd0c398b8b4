import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { readApis } from "@sciportals/codegen/config";
import { loadSpec, type JsonObject } from "@sciportals/codegen/spec";
import { git, readAt } from "./release-base.js";

/** One api of redocly.yaml: its name, spec file and overlay, relative to the repository root. */
export type Api = Awaited<ReturnType<typeof readApis>>[number];

/** The apis registered in redocly.yaml at `cwd`, with a clear error when there is none. */
export async function apisIn(cwd: string): Promise<Api[]> {
  if (!existsSync(join(cwd, "redocly.yaml")))
    throw new Error(`no redocly.yaml in ${cwd}: run this from the repository root`);
  return readApis(cwd);
}

/** The working tree's spec of an api as codegen reads it: bundled, with its overlay applied. */
export async function loadCurrent(cwd: string, api: Api): Promise<JsonObject> {
  const overlay = api.overlay === undefined ? undefined : join(cwd, api.overlay);
  return (await loadSpec(join(cwd, api.spec), { overlay })).document;
}

/**
 * An api's spec as codegen read it at `ref`: redocly.yaml there says where the spec and its overlay
 * were (a portal may since have moved to upstream + overlay); the spec's folder and the overlay are
 * copied out of git into a temp folder, and loaded from there (bundled, overlay applied). Undefined
 * when the spec did not exist at `ref`: a new package. A `$ref` outside the spec's folder is not
 * copied, and fails to bundle.
 */
export async function loadAt(cwd: string, ref: string, api: Api): Promise<JsonObject | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "spec-at-"));
  try {
    const config = readAt(cwd, ref, "redocly.yaml");
    if (config !== undefined) writeFileSync(join(dir, "redocly.yaml"), config);
    const then = (config !== undefined ? await readApis(dir) : []).find((a) => a.name === api.name) ?? api;
    const files = filesAt(cwd, ref, posix.dirname(then.spec));
    if (then.overlay !== undefined) files.push(then.overlay);
    for (const file of files) {
      const text = readAt(cwd, ref, file);
      if (text === undefined) continue;
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    if (!existsSync(join(dir, then.spec))) return undefined;
    const overlay = then.overlay === undefined ? undefined : join(dir, then.overlay);
    return (await loadSpec(join(dir, then.spec), { overlay })).document;
  } catch (error) {
    // Name the files as `<ref>:<path>`, not by the temp folder that is gone by now.
    if (error instanceof Error) error.message = error.message.replaceAll(`${dir}/`, `${ref}:`);
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file under `folder` at `ref`, relative to the repository root. */
function filesAt(cwd: string, ref: string, folder: string): string[] {
  return git(cwd, ["ls-tree", "-r", "-z", "--name-only", "--full-tree", ref, "--", folder])
    .split("\0")
    .filter(Boolean);
}
