import { TransferError, ValidationError, type ErrorContext, type PortalError } from "../errors.js";
import { nodeBuiltins } from "../builtins.js";

/**
 * The file side of a download: checking a destination before anything is sent, and turning the
 * file system's errors into typed ones, so that no raw `EACCES`, `ENOENT` or `ENOSPC` escapes.
 */

/** A file-system failure while writing a download, kept apart from network failures (never retried). */
export class FileWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super("file write failed");
  }
}

/** Runs a file operation, marking its failure as a {@link FileWriteError}. */
export async function onDisk<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new FileWriteError(error);
  }
}

const FULL = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);
const DENIED = new Set(["EACCES", "EPERM", "EROFS"]);

/**
 * The typed error for a file-system failure at `path`: a full disk (`disk_full`, whose `.part` a
 * later call resumes), a refusal (`destination_not_writable`), or anything else (`file_error`).
 */
export function fileError(error: unknown, path: string, context: ErrorContext): PortalError {
  const cause = error instanceof FileWriteError ? error.cause : error;
  const code = (cause as { code?: unknown })?.code;
  const errno = typeof code === "string" ? code : undefined;
  if (errno && FULL.has(errno)) {
    return new TransferError(
      `no space left to write ${path} (${errno}); free some and download again to resume`,
      {
        ...context,
        code: "disk_full",
        cause,
      },
    );
  }
  if (errno && DENIED.has(errno)) {
    return new TransferError(`cannot write ${path} (${errno})`, {
      ...context,
      code: "destination_not_writable",
      cause,
    });
  }
  return new TransferError(`cannot write ${path}${errno ? ` (${errno})` : ""}`, {
    ...context,
    code: "file_error",
    cause,
  });
}

/** What a destination check may do besides checking. */
export interface DestinationOptions {
  /** Replace an existing file. */
  overwrite?: boolean | undefined;
  /** Create missing parent directories (`mkdir -p`). */
  createDirectories?: boolean | undefined;
}

/**
 * Fails with a `ValidationError` when `destination` cannot take a download: a missing parent
 * directory (unless `createDirectories`), a directory in its place, an existing file (unless
 * `overwrite`), or a directory this process may not write to. The last is probed by creating the
 * `.part` file itself, which also catches read-only mounts and ACLs that permission bits hide.
 */
export async function checkDestination(
  destination: string,
  choices: DestinationOptions | boolean,
  context: ErrorContext,
): Promise<void> {
  const { fsp } = nodeBuiltins("download()");
  // A boolean is `overwrite` alone, as callers wrote it before `createDirectories`.
  const options = typeof choices === "boolean" ? { overwrite: choices } : choices;
  const invalid = (message: string, code: string, cause?: unknown) =>
    new ValidationError(`cannot download to ${destination}: ${message}`, { ...context, code, cause });
  const slash = Math.max(destination.lastIndexOf("/"), destination.lastIndexOf("\\"));
  const dir = slash < 0 ? "." : destination.slice(0, slash) || "/";
  // Absent is ENOENT (or ENOTDIR: a file on the way). Any other failure is its own reason: EACCES
  // on a parent, or Deno's "Requires read access to …, run again with the --allow-read flag".
  const statIfPresent = (path: string) =>
    fsp.stat(path).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw invalid(
        `${path} cannot be checked (${(error as Error).message})`,
        "destination_not_writable",
        error,
      );
    });
  let dirStat = await statIfPresent(dir);
  if (!dirStat && options.createDirectories) {
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (error) {
      throw invalid(`the directory ${dir} could not be created`, "invalid_destination", error);
    }
    dirStat = await statIfPresent(dir);
  }
  if (!dirStat) {
    throw invalid(
      `the directory ${dir} does not exist (pass { createDirectories: true } to create it)`,
      "invalid_destination",
    );
  }
  if (!dirStat.isDirectory()) throw invalid(`${dir} is not a directory`, "invalid_destination");
  const existing = await statIfPresent(destination);
  if (existing?.isDirectory()) throw invalid("it is a directory; give a file path", "invalid_destination");
  if (existing && !options.overwrite) {
    throw new ValidationError(`${destination} already exists; pass { overwrite: true } to replace it`, {
      ...context,
      code: "destination_exists",
    });
  }
  const part = `${destination}.part`;
  const hadPart = await fsp.stat(part).then(
    () => true,
    () => false,
  );
  try {
    await (await fsp.open(part, "a")).close();
    if (!hadPart) await fsp.rm(part, { force: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw invalid(
      // No errno code: a runtime's own refusal (Deno's says which --allow-write flag is missing).
      `this process may not write in ${dir} (${typeof code === "string" ? code : (error as Error).message})`,
      "destination_not_writable",
      error,
    );
  }
}

/** The size of a file, 0 when it does not exist. */
export async function sizeOf(path: string): Promise<number> {
  const { fsp } = nodeBuiltins("download()");
  return (await fsp.stat(path).catch(() => undefined))?.size ?? 0;
}

/** Removes files, ignoring any that are missing or cannot be removed. */
export async function removeQuietly(...paths: string[]): Promise<void> {
  const { fsp } = nodeBuiltins("download()");
  await Promise.all(paths.map((p) => fsp.rm(p, { force: true }).catch(() => {})));
}

/** Fails with `checksum_mismatch` when the file's digest is not the one expected (hex or base64). */
export async function verifyChecksum(
  path: string,
  checksum: { algorithm: string; expected: string },
  context: ErrorContext,
): Promise<void> {
  const { fs, crypto, streams } = nodeBuiltins("download()");
  const hash = crypto.createHash(checksum.algorithm);
  try {
    await streams.pipeline(fs.createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  } catch (error) {
    throw fileError(error, path, context);
  }
  const digest = hash.digest();
  const expected = checksum.expected.trim();
  if (digest.toString("hex") !== expected.toLowerCase() && digest.toString("base64") !== expected) {
    throw new TransferError(
      `the file's ${checksum.algorithm} is ${digest.toString("hex")}, expected ${expected}`,
      {
        ...context,
        code: "checksum_mismatch",
      },
    );
  }
}
