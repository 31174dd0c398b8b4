import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isObject } from "@sciportals/codegen/spec";
import { isUnedited, ownChangesets, renderChangeset } from "./changeset-file.js";
import { explicitBase, findReleaseBase, type ReleaseBase } from "./release-base.js";
import { diffSpecs } from "./spec-diff.js";
import { apisIn, loadAt, loadCurrent } from "./spec-load.js";

const USAGE = `Usage: npm run spec:changeset -- [options] [api...]

Compares each spec in redocly.yaml (or only the apis named) with its state at the package's last
release, classifies the changes (major, minor, patch) and writes .changeset/spec-<package>-<hash>.md.
Both sides are read as codegen reads them: bundled, with the api's overlay applied.

The last release is the newest <package>@<version> tag reachable from HEAD; without one, the
commit that set the package's current version in packages/<api>/package.json.

Options:
  --dry-run       print what would be written; change nothing
  --since <ref>   compare every spec with this git ref instead of the last release
  -h, --help      show this help`;

export interface RunOptions {
  /** The repository root: where redocly.yaml is. */
  cwd: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

interface Args {
  dryRun: boolean;
  since: string | undefined;
  help: boolean;
  apis: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { dryRun: false, since: undefined, help: false, apis: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--dry-run") args.dryRun = true;
    else if (arg === "-h" || arg === "--help") args.help = true;
    else if (arg === "--since" || arg.startsWith("--since=")) {
      const value = arg === "--since" ? argv[++i] : arg.slice("--since=".length);
      if (!value) throw new UsageError("--since needs a git ref");
      args.since = value;
    } else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else args.apis.push(arg);
  }
  return args;
}

class UsageError extends Error {}

/**
 * The CLI, callable from tests: returns the exit code (0 done, 1 failed, 2 bad usage).
 * Writes `.changeset/<name>.md` per package whose spec changed and replaces the ones it wrote
 * earlier that nobody has edited since (their name still matches their content).
 */
export async function runSpecChangeset(argv: readonly string[], options: RunOptions): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    err(`spec:changeset: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    out(USAGE);
    return 0;
  }
  try {
    const { cwd } = options;
    const apis = await apisIn(cwd);
    const unknown = args.apis.filter((name) => !apis.some((api) => api.name === name));
    if (unknown.length) throw new Error(`not in redocly.yaml: ${unknown.join(", ")}`);
    const since = args.since !== undefined ? explicitBase(cwd, args.since) : undefined;
    const changesetDir = join(cwd, ".changeset");
    const existing = existsSync(changesetDir) ? readdirSync(changesetDir).sort() : [];
    const verb = args.dryRun ? "would " : "";

    for (const api of apis.filter((a) => args.apis.length === 0 || args.apis.includes(a.name))) {
      const specPath = join(cwd, api.spec);
      if (!existsSync(specPath))
        throw new Error(`${api.spec} (apis.${api.name} in redocly.yaml) does not exist`);
      const current = await loadCurrent(cwd, api);
      const root = isObject(current["x-sciportals"]) ? current["x-sciportals"] : {};
      const packageName = typeof root.package === "string" ? root.package : `@sciportals/${api.name}`;
      const base: ReleaseBase = since ?? findReleaseBase(cwd, packageName, `packages/${api.name}`);
      const old = base.ref ? await loadAt(cwd, base.ref, api) : undefined;
      out(`${api.name} (${packageName}): compared with ${base.description}`);
      if (base.ref && old === undefined) out(`  ${api.spec} did not exist there: a new package`);

      const changes = diffSpecs(old, current);
      const own = ownChangesets(packageName, existing);
      const file = changes.length
        ? renderChangeset({
            packageName,
            specFile: api.spec,
            ...(base.since && old !== undefined ? { since: base.since } : {}),
            changes,
          })
        : undefined;

      if (!file) out("  no changes");
      else {
        const count = (bump: string) => changes.filter((c) => c.bump === bump).length;
        out(
          `  ${file.bump}: ${count("major")} major, ${count("minor")} minor, ${count("patch")} patch changes`,
        );
        for (const line of file.content.trimEnd().split("\n")) out(line ? `  | ${line}` : "  |");
      }

      // Earlier runs' files for this package: the diff is always from the last release, so an
      // unedited one is superseded; an edited one is kept for its author to reconcile.
      for (const name of own) {
        if (name === file?.fileName) continue;
        const path = join(changesetDir, name);
        if (isUnedited(name, readFileSync(path, "utf8"))) {
          if (!args.dryRun) rmSync(path);
          out(`  ${verb}remove .changeset/${name} (an earlier run's, now superseded)`);
        } else {
          out(`  kept .changeset/${name}: edited by hand, so check it against this run's`);
        }
      }
      if (!file) continue;
      if (own.includes(file.fileName)) {
        const edited = !isUnedited(file.fileName, readFileSync(join(changesetDir, file.fileName), "utf8"));
        out(
          `  .changeset/${file.fileName} ${edited ? "is there, edited by hand: left alone" : "is up to date"}`,
        );
        continue;
      }
      if (!args.dryRun) {
        mkdirSync(changesetDir, { recursive: true });
        writeFileSync(join(changesetDir, file.fileName), file.content);
      }
      out(`  ${args.dryRun ? "would write" : "wrote"} .changeset/${file.fileName}`);
    }
    return 0;
  } catch (error) {
    err(`spec:changeset: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runSpecChangeset(process.argv.slice(2), { cwd: process.cwd() });
}
