import { existsSync } from "node:fs";
import { copyFile, lstat, mkdir, readFile, readdir, readlink, symlink } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { childEnv, run } from "./proc.js";

/** One npm workspace of the repository, read from its package.json. */
export interface Workspace {
  /** Folder relative to the repository root, such as `packages/stomics`. */
  dir: string;
  name: string;
  version: string;
  private: boolean;
  tags: string[];
  dependencies: Record<string, string>;
}

/**
 * Copies the working tree's files (tracked ones, as they are on disk, plus untracked ones that
 * git does not ignore: uncommitted edits and new files are rehearsed too) into `to`. Reads git,
 * never writes it. Returns how many files were copied.
 */
export async function copyWorkingTree(from: string, to: string): Promise<number> {
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: from,
    env: childEnv(),
  });
  const files = [...new Set(stdout.split("\0").filter(Boolean))];
  let copied = 0;
  for (const file of files) {
    const source = join(from, file);
    const stat = await lstat(source).catch(() => undefined);
    if (!stat) continue; // deleted in the working tree
    const target = join(to, file);
    await mkdir(dirname(target), { recursive: true });
    if (stat.isSymbolicLink()) await symlink(await readlink(source), target);
    else if (stat.isFile()) await copyFile(source, target);
    else continue;
    copied++;
  }
  return copied;
}

export type InstallMode = "copy" | "ci";

/**
 * Installs the copy's dependencies exactly as its lockfile says.
 *
 * `ci`: `npm ci` (about 17 s here with a warm npm cache).
 * `copy`: copies the repository's `node_modules` (workspace links in it are relative, so they
 * point into the copy), then lets `npm install` reconcile it with the lockfile (about 5 s), and
 * fails, like `npm ci` would, when that had to change `package-lock.json`.
 */
export async function installDependencies(
  repo: string,
  copy: string,
  mode: InstallMode,
): Promise<InstallMode> {
  const flags = ["--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--no-update-notifier"];
  if (mode === "copy" && existsSync(join(repo, "node_modules", ".package-lock.json"))) {
    await run("cp", ["-a", join(repo, "node_modules"), join(copy, "node_modules")], { cwd: copy });
    await assertLinksStayInside(copy);
    const lockBefore = await readFile(join(copy, "package-lock.json"), "utf8");
    await run("npm", ["install", ...flags], { cwd: copy });
    const lockAfter = await readFile(join(copy, "package-lock.json"), "utf8");
    if (lockAfter !== lockBefore)
      throw new Error(
        "package-lock.json does not match package.json: run `npm install` and commit the lockfile",
      );
    return "copy";
  }
  await run("npm", ["ci", ...flags], { cwd: copy });
  return "ci";
}

/** A workspace link that pointed back into the repository would make the rehearsal build the wrong tree. */
async function assertLinksStayInside(copy: string): Promise<void> {
  const scopes = (await readdir(join(copy, "node_modules"))).filter((entry) => entry.startsWith("@"));
  for (const dir of [
    join(copy, "node_modules"),
    ...scopes.map((scope) => join(copy, "node_modules", scope)),
  ]) {
    for (const entry of await readdir(dir)) {
      const path = join(dir, entry);
      const stat = await lstat(path);
      if (!stat.isSymbolicLink()) continue;
      const target = resolve(dirname(path), await readlink(path));
      if (relative(copy, target).startsWith("..")) {
        throw new Error(
          `${relative(copy, path)} links outside the copy (${target}); rerun with --clean-install`,
        );
      }
    }
  }
}

/** The workspaces of the repository at `root`, from its package.json's `workspaces` patterns. */
export async function listWorkspaces(root: string): Promise<Workspace[]> {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    workspaces?: string[];
  };
  const dirs: string[] = [];
  for (const pattern of manifest.workspaces ?? []) {
    if (pattern.endsWith("/*")) {
      const parent = pattern.slice(0, -2);
      for (const entry of (await readdir(join(root, parent), { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        if (entry.isDirectory() && existsSync(join(root, parent, entry.name, "package.json")))
          dirs.push(`${parent}/${entry.name}`);
      }
    } else if (/[*?[{]/.test(pattern)) {
      throw new Error(`workspace pattern ${pattern} is not supported by the rehearsal`);
    } else if (existsSync(join(root, pattern, "package.json"))) {
      dirs.push(pattern);
    }
  }
  return Promise.all(dirs.map((dir) => readWorkspace(root, dir)));
}

export async function readWorkspace(root: string, dir: string): Promise<Workspace> {
  const pkg = JSON.parse(await readFile(join(root, dir, "package.json"), "utf8")) as {
    name: string;
    version?: string;
    private?: boolean;
    dependencies?: Record<string, string>;
    nx?: { tags?: string[] };
  };
  return {
    dir,
    name: pkg.name,
    version: pkg.version ?? "0.0.0",
    private: pkg.private === true,
    tags: pkg.nx?.tags ?? [],
    dependencies: pkg.dependencies ?? {},
  };
}
