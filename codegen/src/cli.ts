#!/usr/bin/env -S npx tsx
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readApis } from "./config.js";
import type { ApiEntry } from "./generate.js";
import { writePortal } from "./write.js";

const usage = `usage: sciportals-codegen [--check] [portal ...]
       sciportals-codegen --spec <openapi.yaml> --out <package dir> [--name <name>] [--overlay <overlay.yaml>]

Regenerates packages/<portal>/src/generated/ (and the operations table of its README) for every
portal in redocly.yaml, or only those named. With --spec, generates one package from any OpenAPI
3.0 or 3.1 document into --out (scaffolding package.json, tsconfig and README when absent).
--check     write nothing; fail when a committed file differs from a fresh run.
--overlay   an OpenAPI Overlay 1.0 file applied to the spec first.
--name      the package's folder name (npm name @sciportals/<name>); default: --out's basename.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      check: { type: "boolean" },
      spec: { type: "string" },
      out: { type: "string" },
      name: { type: "string" },
      overlay: { type: "string" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  let apis: ApiEntry[];
  if (values.spec || values.out) {
    if (!values.spec || !values.out || positionals.length) {
      console.error(`--spec and --out go together, without portal names\n\n${usage}`);
      return 2;
    }
    const out = resolve(values.out);
    const name = values.name ?? basename(out);
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      console.error(`the package name must be kebab-case (got ${name}); pass --name`);
      return 2;
    }
    apis = [
      {
        name,
        spec: resolve(values.spec),
        overlay: values.overlay && resolve(values.overlay),
        packageDir: out,
      },
    ];
  } else {
    apis = (await readApis(repoRoot)).filter((a) => positionals.length === 0 || positionals.includes(a.name));
    const unknown = positionals.filter((n) => !apis.some((a) => a.name === n));
    if (unknown.length) {
      console.error(`unknown portal(s): ${unknown.join(", ")} (see apis in redocly.yaml)`);
      return 2;
    }
  }
  const check = values.check === true;
  const drift: string[] = [];
  let written = 0;
  for (const api of apis) {
    const { model, changed } = await writePortal(repoRoot, api, check);
    if (!check && model.notes.length) console.log(`${api.name}:\n  ${model.notes.join("\n  ")}`);
    if (check) drift.push(...changed);
    else written += changed.length;
  }
  if (check) {
    if (drift.length) {
      console.error(
        `Generated code is out of date with the specs or the generator:\n  ${drift.join("\n  ")}\nRun \`npm run generate\` and commit the result.`,
      );
      return 1;
    }
    console.log(`generated code is up to date (${apis.map((a) => a.name).join(", ")})`);
    return 0;
  }
  console.log(written ? `codegen: wrote ${written} file(s)` : "codegen: nothing changed");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
