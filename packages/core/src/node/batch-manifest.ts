import { nodeBuiltins } from "../builtins.js";

/**
 * The record `downloadMany` keeps of the files it completed, one small JSON file per destination
 * directory (`.sciportals-downloads.json`), so that a rerun can tell a finished file from one
 * that merely exists. Written atomically (temporary file, then rename), one write at a time.
 */

/** What was recorded about one completed file. */
export interface ManifestEntry {
  /** Where it came from: the operation and its parameters, or the URL without its query. */
  source: string;
  size: number;
  /** The file's mtime when it was recorded: a later change on disk makes the record stale. */
  mtimeMs: number;
  etag?: string | undefined;
}

const NAME = ".sciportals-downloads.json";
const writes = new Map<string, Promise<void>>();

function split(destination: string): { dir: string; file: string } {
  const slash = Math.max(destination.lastIndexOf("/"), destination.lastIndexOf("\\"));
  return slash < 0
    ? { dir: ".", file: destination }
    : { dir: destination.slice(0, slash) || "/", file: destination.slice(slash + 1) };
}

async function readManifest(dir: string): Promise<Record<string, ManifestEntry>> {
  const { fsp } = nodeBuiltins("downloadMany()");
  try {
    const parsed = JSON.parse(await fsp.readFile(`${dir}/${NAME}`, "utf8")) as { files?: unknown };
    return parsed.files && typeof parsed.files === "object"
      ? (parsed.files as Record<string, ManifestEntry>)
      : {};
  } catch {
    return {};
  }
}

/** The entry for `destination`, when one was recorded and the file on disk is still that file. */
export async function recordedFile(destination: string, source: string): Promise<ManifestEntry | undefined> {
  const { fsp } = nodeBuiltins("downloadMany()");
  const { dir, file } = split(destination);
  const entry = (await readManifest(dir))[file];
  const stat = await fsp.stat(destination).catch(() => undefined);
  if (!entry || !stat?.isFile()) return undefined;
  if (entry.source !== source || entry.size !== stat.size || entry.mtimeMs !== stat.mtimeMs) return undefined;
  return entry;
}

/** Records a completed file (its size and mtime read from disk now). */
export async function recordFile(
  destination: string,
  source: string,
  etag: string | undefined,
): Promise<void> {
  const { fsp } = nodeBuiltins("downloadMany()");
  const { dir, file } = split(destination);
  const previous = writes.get(dir) ?? Promise.resolve();
  const next = previous.then(async () => {
    const stat = await fsp.stat(destination);
    const files = await readManifest(dir);
    files[file] = { source, size: stat.size, mtimeMs: stat.mtimeMs, ...(etag ? { etag } : {}) };
    const temporary = `${dir}/${NAME}.${process.pid}.tmp`;
    await fsp.writeFile(temporary, JSON.stringify({ version: 1, files }, null, 1));
    await fsp.rename(temporary, `${dir}/${NAME}`);
  });
  const settled = next.catch(() => {});
  writes.set(dir, settled);
  void settled.then(() => writes.get(dir) === settled && writes.delete(dir));
  await next;
}

/** A file's digest, as hex and as base64 (checksums come in both). */
export async function digestOf(path: string, algorithm: string): Promise<{ hex: string; base64: string }> {
  const { fs, crypto, streams } = nodeBuiltins("downloadMany()");
  const hash = crypto.createHash(algorithm);
  await streams.pipeline(fs.createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  const digest = hash.digest();
  return { hex: digest.toString("hex"), base64: digest.toString("base64") };
}
