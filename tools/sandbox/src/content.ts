import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Faults } from "./faults.js";

const BLOCK = 1 << 20;
const blocks = new Map<number, Buffer>();

/** A 1 MiB block of pseudo-random bytes, fixed by its seed (xorshift32: fast and repeatable). */
function block(seed: number): Buffer {
  let cached = blocks.get(seed);
  if (cached) return cached;
  cached = Buffer.allocUnsafe(BLOCK);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < BLOCK; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    cached.writeUInt32LE(x, i);
  }
  blocks.set(seed, cached);
  return cached;
}

/** A file the sandbox serves: generated on the fly, so a 4 GiB file costs no disk and 1 MiB of memory. */
export interface VirtualFile {
  size: number;
  /** Different seeds give different bytes: bump it to model a file that changed on the server. */
  seed: number;
  contentType?: string;
  lastModified?: Date;
}

export function etagOf(file: VirtualFile): string {
  return `"${createHash("sha1").update(`${file.seed}:${file.size}`).digest("hex").slice(0, 20)}"`;
}

/** The file's bytes from `start` to `end` (exclusive), as chunks no larger than 1 MiB. */
export function* chunks(file: VirtualFile, start = 0, end = file.size): Generator<Buffer> {
  const data = block(file.seed);
  let position = start;
  while (position < end) {
    const offset = position % BLOCK;
    const length = Math.min(BLOCK - offset, end - position);
    yield data.subarray(offset, offset + length);
    position += length;
  }
}

/** SHA-256 of a whole virtual file, for tests to compare a download against. */
export function sha256Of(file: VirtualFile): string {
  const hash = createHash("sha256");
  for (const chunk of chunks(file)) hash.update(chunk);
  return hash.digest("hex");
}

export interface ServeStats {
  /** Body bytes written per served request. */
  onBytes?: (bytes: number) => void;
}

/**
 * Serves a virtual file with real HTTP semantics: one `Range` (bytes=a-b, a-, -n) answered with
 * 206 and Content-Range, `If-Range` against the ETag or Last-Modified, 416 past the end,
 * HEAD, and backpressure. Faults can cut the connection after some bytes.
 */
export function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: VirtualFile,
  faults: Faults | undefined,
  stats: ServeStats = {},
) {
  const etag = etagOf(file);
  const lastModified = (file.lastModified ?? new Date(Date.UTC(2024, 0, 1))).toUTCString();
  const headers: Record<string, string | number> = {
    "content-type": file.contentType ?? "application/octet-stream",
    "accept-ranges": "bytes",
    etag,
    "last-modified": lastModified,
  };
  let start = 0;
  let end = file.size;
  let status = 200;
  const range = req.headers.range;
  const ifRange = req.headers["if-range"];
  const rangeApplies =
    range !== undefined && (ifRange === undefined || ifRange === etag || ifRange === lastModified);
  if (range && rangeApplies) {
    const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (!match || (match[1] === "" && match[2] === "")) {
      res.writeHead(416, { "content-range": `bytes */${file.size}` });
      return res.end();
    }
    if (match[1] === "") {
      start = Math.max(0, file.size - Number(match[2]));
    } else {
      start = Number(match[1]);
      if (match[2] !== "") end = Math.min(file.size, Number(match[2]) + 1);
    }
    if (start >= file.size || start >= end) {
      res.writeHead(416, { "content-range": `bytes */${file.size}` });
      return res.end();
    }
    status = 206;
    headers["content-range"] = `bytes ${start}-${end - 1}/${file.size}`;
  }
  headers["content-length"] = end - start;
  res.writeHead(status, headers);
  if (req.method === "HEAD") return res.end();

  const cutAfter = faults?.takeCut(req);
  const source = chunks(file, start, end);
  let sent = 0;
  const pump = () => {
    for (;;) {
      const next = source.next();
      if (next.done) return res.end();
      let chunk = next.value;
      if (cutAfter !== undefined && sent + chunk.length >= cutAfter) {
        chunk = chunk.subarray(0, Math.max(0, cutAfter - sent));
        sent += chunk.length;
        stats.onBytes?.(chunk.length);
        // Write what fits, then drop the connection the way a flaky network does.
        res.write(chunk, () => res.destroy());
        return;
      }
      sent += chunk.length;
      stats.onBytes?.(chunk.length);
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
  };
  res.on("close", () => source.return(undefined));
  pump();
}
