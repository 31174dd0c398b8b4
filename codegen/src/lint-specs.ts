#!/usr/bin/env -S npx tsx
/**
 * `npm run lint:specs`: Redocly's lint over every portal spec in redocly.yaml. A spec curated with
 * an overlay is linted as codegen reads it (bundled, overlay applied), since the curation is what
 * the rules judge: the upstream file alone lacks the provenance the overlay adds.
 */
import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { readApis } from "./config.js";
import { loadSpec } from "./spec/load.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const redocly = join(repoRoot, "node_modules/.bin/redocly");

function lint(args: string[]): number {
  return spawnSync(redocly, ["lint", ...args], { cwd: repoRoot, stdio: "inherit" }).status ?? 1;
}

async function main(): Promise<number> {
  const apis = await readApis(repoRoot);
  const plain = apis.filter((api) => !api.overlay).map((api) => api.name);
  let status = plain.length ? lint(plain) : 0;
  const config = parse(await readFile(join(repoRoot, "redocly.yaml"), "utf8")) as {
    apis: Record<string, Record<string, unknown>>;
  };
  for (const api of apis.filter((a) => a.overlay)) {
    const dir = join(repoRoot, "node_modules/.cache/sciportals-lint", api.name);
    await mkdir(dir, { recursive: true });
    const { document } = await loadSpec(resolve(repoRoot, api.spec), {
      overlay: resolve(repoRoot, api.overlay!),
    });
    const file = join(dir, "openapi.applied.yaml");
    await writeFile(file, stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 }));
    // The repo's rules, and this api's own, over the applied document.
    const { "x-sciportals-overlay": _, root: __, ...apiConfig } = config.apis[api.name]!;
    const applied = { ...config, apis: { [api.name]: { ...apiConfig, root: file } } };
    await writeFile(join(dir, "redocly.yaml"), stringify(applied));
    console.log(`${api.name}: linting ${api.spec} with ${api.overlay} applied`);
    status ||= lint([api.name, "--config", join(dir, "redocly.yaml")]);
  }
  return status;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
