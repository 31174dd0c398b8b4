import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { childEnv, run } from "./proc.js";

export const CLI_PACKAGE = "@sciportals/cli";

export interface CliInstallCheck {
  how: string;
  version: string;
  ms: number;
}

/**
 * Installs the published CLI as a user would, globally (`npm install -g`, into a prefix inside
 * `dir`) and through `npx`, and runs it: `--version` must be the rehearsed version, and a
 * generated command's help must list its spec-derived flags.
 */
export async function checkCliInstalls(
  dir: string,
  registryUrl: string,
  expectedVersion: string,
): Promise<CliInstallCheck[]> {
  const prefix = join(dir, "global");
  await mkdir(prefix, { recursive: true });
  // Only the scope goes to the local registry; everything else from the user's usual one.
  const scoped = [`--@sciportals:registry=${registryUrl}`, "--prefer-online", "--no-audit", "--no-fund"];
  const env = { ...childEnv(), npm_config_update_notifier: "false" };
  const results: CliInstallCheck[] = [];

  let t0 = performance.now();
  await run("npm", ["install", "-g", "--prefix", prefix, ...scoped, CLI_PACKAGE], {
    cwd: dir,
    env,
    timeoutMs: 3 * 60_000,
  });
  const bin = join(prefix, "bin", "sciportals");
  results.push({
    how: "npm install -g",
    version: await checkRuns(bin, [], dir, expectedVersion),
    ms: performance.now() - t0,
  });

  t0 = performance.now();
  const npx = ["exec", "--yes", ...scoped, `--package=${CLI_PACKAGE}@${expectedVersion}`, "--", "sciportals"];
  results.push({
    how: "npx",
    version: await checkRuns("npm", npx, dir, expectedVersion),
    ms: performance.now() - t0,
  });
  return results;
}

async function checkRuns(
  command: string,
  prefixArgs: string[],
  cwd: string,
  expected: string,
): Promise<string> {
  const { stdout: version } = await run(command, [...prefixArgs, "--version"], {
    cwd,
    timeoutMs: 3 * 60_000,
  });
  if (version.trim() !== expected)
    throw new Error(`sciportals --version printed ${version.trim()}, expected ${expected}`);
  const { stdout: help } = await run(command, [...prefixArgs, "stomics", "list-datasets", "--help"], {
    cwd,
    timeoutMs: 60_000,
  });
  if (!help.includes("--sort-by") || !help.includes("--per-page"))
    throw new Error(`sciportals stomics list-datasets --help lacks the spec's flags:\n${help}`);
  return version.trim();
}
