import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { capture } from "./process.js";

/** What a copy holds: the last commit, or the working tree with its uncommitted changes. */
export type CopySource = "head" | "worktree";

function pipeInto(from: [string, string[], string], to: [string, string[], string]): Promise<void> {
  return new Promise((resolve, reject) => {
    const producer = spawn(from[0], from[1], { cwd: from[2], stdio: ["ignore", "pipe", "inherit"] });
    const consumer = spawn(to[0], to[1], { cwd: to[2], stdio: ["pipe", "ignore", "inherit"] });
    producer.stdout.pipe(consumer.stdin);
    producer.once("error", reject);
    consumer.once("error", reject);
    consumer.once("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${to[0]} exited with ${code}`)),
    );
  });
}

/**
 * Copies the repository's files (not `.git`, not ignored files) into `dest` and links its
 * `node_modules`, so that tools which write into the tree (codegen, nx) can run there and leave
 * the real tree alone. Returns a line saying what was copied.
 */
export async function copyRepo(repoRoot: string, dest: string, source: CopySource): Promise<string> {
  await mkdir(dest, { recursive: true });
  const commit = (await capture("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"]))?.trim() ?? "?";
  let described: string;
  if (source === "head") {
    // git archive reads objects only: no index lock, so it is safe while someone else commits.
    await pipeInto(["git", ["archive", "--format=tar", "HEAD"], repoRoot], ["tar", ["-x", "-f", "-"], dest]);
    described = `HEAD (${commit})`;
  } else {
    const listed = await capture("git", ["-C", repoRoot, "ls-files", "-co", "--exclude-standard", "-z"]);
    if (listed === undefined) throw new Error("git ls-files failed");
    let copied = 0;
    for (const path of listed.split("\0").filter(Boolean)) {
      if (!existsSync(join(repoRoot, path))) continue; // deleted in the working tree
      await mkdir(dirname(join(dest, path)), { recursive: true });
      await copyFile(join(repoRoot, path), join(dest, path));
      copied++;
    }
    const changes = (await capture("git", ["-C", repoRoot, "status", "--porcelain"]))
      ?.split("\n")
      .filter(Boolean);
    described = `the working tree on ${commit} (${copied} files, ${changes?.length ?? "?"} uncommitted changes)`;
  }
  await symlink(join(repoRoot, "node_modules"), join(dest, "node_modules"), "dir");
  return described;
}

/** sha256 of every file under the given folders and of the given files (missing ones skipped), by path. */
export async function snapshot(root: string, paths: readonly string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const visit = async (path: string): Promise<void> => {
    const full = join(root, path);
    if (!existsSync(full)) return;
    const entries = await readdir(full, { withFileTypes: true }).catch(() => undefined);
    if (!entries) {
      hashes.set(
        path,
        createHash("sha256")
          .update(await readFile(full))
          .digest("hex"),
      );
      return;
    }
    for (const entry of entries) await visit(join(path, entry.name));
  };
  for (const path of paths) await visit(path);
  return hashes;
}

/** The paths that differ between two snapshots (added, removed or changed). */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}
