#!/usr/bin/env -S npx tsx
/**
 * `npm run new-portal -- <name> <spec> [--overlay <file>]`: a new portal package from any
 * published OpenAPI 3.0/3.1 document, in one command. Puts the spec under specs/<name>/, starts an
 * overlay that names the package and marks every operation's provenance `public` (it comes from a
 * published document), registers both in redocly.yaml, generates, links the workspace, and builds
 * and type-checks the package.
 */
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { readApis } from "./config.js";
import { loadSpec } from "./spec/load.js";
import { writePortal } from "./write.js";
import { pascalCase } from "./naming.js";

const usage = `usage: npm run new-portal -- <name> <spec> [--overlay <overlay.yaml>]

<name>  kebab-case package folder: packages/<name>, published as @sciportals/<name>
<spec>  an OpenAPI 3.0 or 3.1 document (YAML or JSON); a multi-file one must already sit under specs/<name>/`;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function run(command: string, args: string[]): void {
  console.log(`\n$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    stdio: "inherit",
    env: { ...process.env, NX_TUI: "false" },
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status})`);
}

/** The overlay a new portal starts from: what the spec lint asks of a curated spec, and nothing else. */
export function starterOverlay(name: string, title: string): string {
  return `# Curation of the upstream spec for @sciportals/${name}: an OpenAPI Overlay 1.0 document that
# codegen applies after bundling (see codegen/EXTENSIONS.md#overlays). Add paging, transfers,
# sessions and corrections here; never edit the upstream file.
overlay: 1.0.0
info:
  title: ${title}, curated for sciportals
  version: 1.0.0
actions:
  - target: $
    description: the package's names
    update:
      x-sciportals:
        package: "@sciportals/${name}"
        name: ${pascalCase(name)}
        title: ${JSON.stringify(title)}
  - target: $.paths.*[?(@.responses)]
    description: every operation comes from the published document
    update:
      x-sciportals-provenance: public
`;
}

/** Keeps Prettier off a vendored spec's folder: it stays byte-identical to upstream. */
async function ignoreVendored(folder: string): Promise<void> {
  const file = join(repoRoot, ".prettierignore");
  const ignored = await readFile(file, "utf8");
  const entry = `${relative(repoRoot, folder)}/`;
  if (ignored.split("\n").includes(entry)) return;
  await writeFile(file, `${ignored.trimEnd()}\n${entry}\n`);
}

/** Adds an api to redocly.yaml, keeping its comments and order. */
export function registerApi(configText: string, name: string, spec: string, overlay: string): string {
  const config = parseDocument(configText);
  if (config.hasIn(["apis", name])) throw new Error(`redocly.yaml already has an api named ${name}`);
  config.setIn(["apis", name], config.createNode({ root: spec, "x-sciportals-overlay": overlay }));
  return config.toString();
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { overlay: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [name, specArg] = positionals;
  if (values.help || !name || !specArg || positionals.length > 2) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`<name> must be kebab-case (got ${name})`);
  if ((await readApis(repoRoot)).some((api) => api.name === name))
    throw new Error(`${name} is already a portal (redocly.yaml)`);
  const specDir = join(repoRoot, "specs", name);
  let spec = resolve(specArg);
  const loaded = await loadSpec(spec); // refuses what codegen cannot read, before anything is written
  if (relative(specDir, spec).startsWith("..")) {
    const raw = await readFile(spec, "utf8");
    if (/\$ref['"]?\s*:\s*['"]?(?!#)/.test(raw))
      throw new Error(
        `${specArg} refers to other files: copy its folder (with its licence) to specs/${name}/upstream/ and pass the spec's path there`,
      );
    spec = join(specDir, "upstream", `openapi${extname(spec) || ".yaml"}`);
    await mkdir(dirname(spec), { recursive: true });
    await copyFile(resolve(specArg), spec);
    console.log(`copied ${specArg} to ${relative(repoRoot, spec)}`);
  }
  const overlay = values.overlay ? resolve(values.overlay) : join(specDir, "overlay.yaml");
  if (!values.overlay) {
    const title =
      typeof loaded.document.info === "object"
        ? String((loaded.document.info as { title?: string }).title ?? name)
        : name;
    await writeFile(overlay, starterOverlay(name, title));
    console.log(`wrote ${relative(repoRoot, overlay)}`);
  }
  const configPath = join(repoRoot, "redocly.yaml");
  await writeFile(
    configPath,
    registerApi(
      await readFile(configPath, "utf8"),
      name,
      relative(repoRoot, spec),
      relative(repoRoot, overlay),
    ),
  );
  const upstream = relative(repoRoot, spec).match(/^(specs\/[^/]+\/upstream)\//)?.[1];
  await ignoreVendored(upstream ? join(repoRoot, upstream) : dirname(spec));
  const api = {
    name,
    spec: relative(repoRoot, spec),
    overlay: relative(repoRoot, overlay),
    packageDir: `packages/${name}`,
  };
  const { model, changed } = await writePortal(repoRoot, api);
  console.log(`generated packages/${name} (${changed.length} files, ${model.operations.length} operations)`);
  if (model.notes.length) console.log(`  ${model.notes.join("\n  ")}`);
  run("npx", [
    "prettier",
    "--write",
    "--log-level",
    "warn",
    "redocly.yaml",
    relative(repoRoot, overlay),
    `packages/${name}`,
  ]);
  run("npm", ["install", "--no-audit", "--no-fund"]);
  run("npx", ["nx", "run-many", "-t", "build,typecheck", `--projects=${model.packageName}`]);
  console.log(`
@sciportals/${name} builds. Next:
  - specs/${name}/: a SOURCE.md naming the upstream repository @ commit, path and licence, and the licence file
  - ${relative(repoRoot, overlay)}: paging, transfers, sessions; \`npm run lint:specs\` says what the spec lint wants
  - packages/${name}/README.md: a quick start; \`npx changeset\` for its first release`);
  return 0;
}

if (process.argv[1] && basename(process.argv[1]).startsWith("new-portal"))
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
