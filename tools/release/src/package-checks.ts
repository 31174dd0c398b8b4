import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CommandError, childEnv, mapLimit, run, stripAnsi, tail } from "./proc.js";

export interface PackageCheckResult {
  name: string;
  dir: string;
  /** attw's verdict per entry point and resolution mode, such as `. node10 ok`; problems otherwise. */
  attw: { ok: boolean; summary: string; output: string; ms: number };
  /** publint --strict: errors and warnings fail; suggestions are reported only. */
  publint: { ok: boolean; summary: string; suggestions: string[]; output: string; ms: number };
}

/**
 * `attw --pack` and `publint --strict` on each package (as npm packs it), two at a time.
 * `root` is the repository (copy) whose `node_modules/.bin` holds both tools.
 */
export function checkPackages(
  root: string,
  packages: readonly { name: string; dir: string }[],
): Promise<PackageCheckResult[]> {
  const bin = (tool: string) => join(root, "node_modules", ".bin", tool);
  const env = childEnv();
  return mapLimit(packages, 2, async ({ name, dir }) => {
    const cwd = join(root, dir);
    const profile = (await isEsmOnly(cwd)) ? ["--profile", "esm-only"] : [];
    const attw = await capture(
      bin("attw"),
      ["--pack", ".", "--format", "table-flipped", ...profile],
      cwd,
      env,
    );
    const publint = await capture(bin("publint"), ["--strict", "."], cwd, env);
    return {
      name,
      dir,
      attw: { ...attw, summary: summarizeAttw(attw.output, attw.ok) },
      publint: { ...publint, ...summarizePublint(publint.output, publint.ok) },
    };
  });
}

/**
 * A package whose exports offer no `require` condition (the CLI: its dependencies are ESM-only)
 * is checked with attw's esm-only profile, which leaves out node10 and node16 from CommonJS.
 */
async function isEsmOnly(dir: string): Promise<boolean> {
  const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { exports?: unknown };
  return manifest.exports !== undefined && !JSON.stringify(manifest.exports).includes('"require"');
}

async function capture(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const started = performance.now();
  try {
    const { output } = await run(command, args, { cwd, env, timeoutMs: 2 * 60_000 });
    return { ok: true, output: stripAnsi(output), ms: performance.now() - started };
  } catch (error) {
    // A tool that ran and reported problems fails the check; one that could not run fails the step.
    if (!(error instanceof CommandError) || error.exitCode === null) throw error;
    return { ok: false, output: stripAnsi(error.output), ms: performance.now() - started };
  }
}

/** attw prints "No problems found" and a table of entry points by resolution mode. */
function summarizeAttw(output: string, ok: boolean): string {
  const entries = [...output.matchAll(/^\W*"([^"]+)"\s*│/gm)]
    .map((m) => m[1]!)
    .filter((e) => !e.endsWith("/package.json"));
  if (ok)
    return `no problems; ${entries.length} entr${entries.length === 1 ? "y" : "ies"} (${entries.join(", ")}) 🟢 in ${
      /node10 \(ignored\)/.test(output)
        ? "node16-ESM, bundler (ESM only)"
        : "node10, node16-CJS, node16-ESM, bundler"
    }`;
  return tail(output, 30);
}

function summarizePublint(output: string, ok: boolean): { summary: string; suggestions: string[] } {
  const suggestions: string[] = [];
  let section = "";
  for (const line of output.split("\n")) {
    if (/^(Errors|Warnings|Suggestions):/.test(line)) section = line;
    else if (section.startsWith("Suggestions") && /^\d+\.\s/.test(line))
      suggestions.push(line.replace(/^\d+\.\s*/, ""));
  }
  if (!ok) return { summary: tail(output, 30), suggestions };
  return {
    summary:
      suggestions.length === 0
        ? "no problems"
        : `no errors or warnings; ${suggestions.length} suggestion${suggestions.length === 1 ? "" : "s"}`,
    suggestions,
  };
}
