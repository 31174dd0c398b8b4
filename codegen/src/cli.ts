#!/usr/bin/env -S npx tsx
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readApis } from "./config.js";
import { generatePortal, readIfExists, replaceSection, staleGenerated } from "./generate.js";

const usage = `usage: sciportals-codegen [--check] [portal ...]

Regenerates packages/<portal>/src/generated/ (and the operations table of its README) from
specs/<portal>/openapi.yaml for every portal in redocly.yaml, or only those named.
--check   write nothing; fail when a committed file differs from a fresh run.`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage);
    return 0;
  }
  const check = argv.includes("--check");
  const names = argv.filter((a) => !a.startsWith("-"));
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const apis = (await readApis(repoRoot)).filter((a) => names.length === 0 || names.includes(a.name));
  const unknown = names.filter((n) => !apis.some((a) => a.name === n));
  if (unknown.length) {
    console.error(`unknown portal(s): ${unknown.join(", ")} (see apis in redocly.yaml)`);
    return 2;
  }
  const drift: string[] = [];
  let written = 0;
  for (const api of apis) {
    const files = await generatePortal(repoRoot, api);
    for (const file of files) {
      const target = `${repoRoot}/${file.path}`;
      const current = await readIfExists(target);
      let wanted: string | undefined;
      if (file.kind === "generated") wanted = file.content;
      else if (file.kind === "scaffold") wanted = current === undefined ? file.content : undefined;
      else if (current !== undefined)
        wanted = await replaceSection(repoRoot, file.path, current, file.content);
      if (wanted === undefined || wanted === current) continue;
      if (check) drift.push(file.path);
      else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, wanted);
        written++;
      }
    }
    for (const stale of await staleGenerated(repoRoot, api, files)) {
      if (check) drift.push(`${stale} (no longer generated)`);
      else {
        await rm(`${repoRoot}/${stale}`);
        written++;
      }
    }
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
