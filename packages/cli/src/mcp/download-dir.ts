import { lstat, mkdir, realpath } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";

/** A file name an agent asked for that would land outside the download directory. */
export class UnsafeFileNameError extends Error {
  override name = "UnsafeFileNameError";
}

/**
 * The directory the user named at start-up, the only place downloads go. Created if missing and
 * resolved through symlinks once, so every later check compares real paths.
 */
export async function openDownloadDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return realpath(dir);
}

/**
 * The path a download named `fileName` goes to inside `root` (a real path from
 * {@link openDownloadDir}). Refuses names with path separators, `..`, control characters or a
 * leading dot-only form, then checks the resolved path is a direct child of `root` and not an
 * existing symlink (which would write through to somewhere else).
 */
export async function destinationIn(root: string, fileName: string): Promise<string> {
  if (
    fileName === "" ||
    fileName === "." ||
    fileName.includes("..") ||
    /[/\\]/.test(fileName) ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f]/.test(fileName)
  ) {
    throw new UnsafeFileNameError(
      `Refused file name ${JSON.stringify(fileName)}: downloads go straight into the download directory, so a name has no path separators or "..".`,
    );
  }
  const path = resolve(root, fileName);
  if (dirname(path) !== root || !path.startsWith(root + sep) || path !== join(root, fileName)) {
    throw new UnsafeFileNameError(
      `Refused file name ${JSON.stringify(fileName)}: it resolves outside the download directory.`,
    );
  }
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    throw new UnsafeFileNameError(
      `Refused file name ${JSON.stringify(fileName)}: it is a symbolic link in the download directory.`,
    );
  }
  return path;
}

/** A file name from a download's arguments when the agent gave none: `getFile` + `{ id: 7 }` → `get-file-7`. */
export function defaultFileName(tool: string, args: Record<string, unknown>): string {
  const parts = Object.entries(args)
    .filter(([, v]) => typeof v === "string" || typeof v === "number")
    .map(([, v]) => String(v));
  const name = [tool, ...parts]
    .join("-")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/\.{2,}/g, ".");
  return name.slice(0, 200);
}
