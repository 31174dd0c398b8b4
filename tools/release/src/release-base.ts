import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Runs git in `cwd` and returns its output; throws with git's message on failure. */
export function git(cwd: string, args: string[]): string {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`git ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`);
  }
}

function tryGit(cwd: string, args: string[]): string | undefined {
  try {
    return git(cwd, args);
  } catch {
    return undefined;
  }
}

/** What a package's spec is compared with. */
export interface ReleaseBase {
  /** The commit; undefined when the package has no release and no committed version (a new package). */
  ref: string | undefined;
  /** For the changeset summary: the version released (`0.1.0`) or the ref given. */
  since: string | undefined;
  /** For the output: which base was used and why. */
  description: string;
}

/** A file's text at a commit (paths relative to `cwd`), or undefined when it did not exist there. */
export function readAt(cwd: string, ref: string, path: string): string | undefined {
  return tryGit(cwd, ["show", `${ref}:./${path}`]);
}

/** The base given with `--since`; throws when git does not know the ref. */
export function explicitBase(cwd: string, ref: string): ReleaseBase {
  const commit = tryGit(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])?.trim();
  if (!commit) throw new Error(`--since ${ref}: not a commit git knows here`);
  return { ref: commit, since: ref, description: `${ref} (--since)` };
}

/**
 * The last release of a package: its newest `<name>@<version>` tag reachable from HEAD (what
 * `changeset publish` creates); failing that, the commit that set the package's current version
 * in its package.json; failing that, nothing (a new package).
 */
export function findReleaseBase(cwd: string, packageName: string, packageDir: string): ReleaseBase {
  const tags = (tryGit(cwd, ["tag", "--list", "--merged", "HEAD", `${packageName}@*`]) ?? "")
    .split("\n")
    .map((tag) => tag.trim())
    .filter((tag) => parseVersion(tag.slice(packageName.length + 1)) !== undefined);
  if (tags.length > 0) {
    const newest = tags.reduce((a, b) =>
      compareVersions(a.slice(packageName.length + 1), b.slice(packageName.length + 1)) >= 0 ? a : b,
    );
    return {
      ref: `refs/tags/${newest}`,
      since: newest.slice(packageName.length + 1),
      description: `tag ${newest}`,
    };
  }

  const manifest = `${packageDir}/package.json`;
  const current = versionOf(
    existsSync(join(cwd, manifest)) ? readFileSync(join(cwd, manifest), "utf8") : undefined,
  );
  if (current === undefined) {
    return { ref: undefined, since: undefined, description: `nothing: no release tag and no ${manifest}` };
  }
  const commits = (tryGit(cwd, ["log", "--format=%H", "--", manifest]) ?? "").split("\n").filter(Boolean);
  let base: string | undefined;
  for (const commit of commits) {
    if (versionOf(readAt(cwd, commit, manifest)) === current) base = commit;
    else if (base) break; // older commits have another version: `base` is where this one was set
  }
  if (!base) {
    return {
      ref: undefined,
      since: undefined,
      description: `nothing: no release tag and no commit of ${manifest} with version ${current}`,
    };
  }
  return {
    ref: base,
    since: current,
    description: `commit ${base.slice(0, 7)}, which set version ${current} in ${manifest} (no ${packageName}@* tag)`,
  };
}

function versionOf(manifest: string | undefined): string | undefined {
  if (manifest === undefined) return undefined;
  try {
    const version = (JSON.parse(manifest) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

interface Version {
  core: number[];
  pre: string[];
}

function parseVersion(text: string): Version | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (!match) return undefined;
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4]?.split(".") ?? [] };
}

/** Semver precedence: numbers first, then a prerelease sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return a.localeCompare(b);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i]! - y.core[i]!;
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}
