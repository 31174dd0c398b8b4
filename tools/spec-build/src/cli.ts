/**
 * `npm run spec:build`: writes the specs that are built from tables (BrainSTEM's).
 * `npm run spec:build -- --check`: writes nothing, and fails when a committed spec differs from a fresh build.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BRAINSTEM_SPEC_PATH, buildBrainstemSpec, renderBrainstemSpec } from "./brainstem/build.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A spec file and how to build its text. */
interface Target {
  /** Relative to the repository root. */
  path: string;
  build: () => { text: string; summary: string };
}

const TARGETS: Target[] = [
  {
    path: BRAINSTEM_SPEC_PATH,
    build: () => {
      const { doc, operationCount } = buildBrainstemSpec();
      return { text: renderBrainstemSpec(doc), summary: `${operationCount} operations` };
    },
  },
];

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function main(args: string[]): number {
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length) {
    console.error(
      `spec:build: unknown argument ${unknown.join(" ")} (usage: npm run spec:build [-- --check])`,
    );
    return 2;
  }
  const check = args.includes("--check");
  let stale = 0;
  for (const target of TARGETS) {
    const file = join(ROOT, target.path);
    const { text, summary } = target.build();
    if (check) {
      if (readOrEmpty(file) === text) console.log(`${target.path} is up to date (${summary})`);
      else {
        console.error(
          `${target.path} differs from a fresh build: run \`npm run spec:build\` and commit the result.`,
        );
        stale++;
      }
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${target.path} (${summary})`);
    }
  }
  return stale ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
