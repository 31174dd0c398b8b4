import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);

export const repoRoot = resolve(import.meta.dirname, "../../..");
/** Under the repository, so that generated packages resolve @sciportals/core, openapi-fetch and typescript. */
export const outRoot = join(repoRoot, "codegen/test/.corpus-out");
const bin = (name: string) => join(repoRoot, "node_modules/.bin", name);

/** Runs a repository tool; resolves with the seconds it took, or rejects with everything it printed. */
async function run(tool: string, args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  try {
    await exec(bin(tool), args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" } });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    // A big spec can fail with thousands of lines: the first ones say enough.
    const output = `${stdout}\n${stderr}`.trim().split("\n").slice(0, 120).join("\n");
    throw new Error(`${tool} ${args.join(" ")} failed (cwd ${cwd}):\n${output}`);
  }
  return (performance.now() - started) / 1000;
}

export const generate = (spec: string, dir: string) =>
  run("tsx", ["codegen/src/cli.ts", "--spec", spec, "--out", dir], repoRoot);

export const typecheck = (dir: string) =>
  run("tsc", ["--noEmit", "-p", join(dir, "tsconfig.json")], repoRoot);

export const build = (dir: string) => run("tsdown", [], dir);

/** The built package twice: its ESM entry through import() and its CJS entry through require(). */
export async function loadBuilds(dir: string): Promise<Record<"esm" | "cjs", Record<string, unknown>>> {
  const esm = (await import(pathToFileURL(join(dir, "dist/index.mjs")).href)) as Record<string, unknown>;
  const cjs = createRequire(import.meta.url)(join(dir, "dist/index.cjs")) as Record<string, unknown>;
  return { esm, cjs };
}
