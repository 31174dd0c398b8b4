// A small fault server for part A's fault tests: serves bytes with ETag/Last-Modified, honours or
// ignores Range and If-Range, cuts or stalls a body on demand, and counts what it was sent.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestServer } from "../helpers.js";

/** Deterministic bytes: a file's content for a given seed. */
export function bytesOf(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** How one response misbehaves. */
export interface ServeFaults {
  /** Answer a Range request with the whole file (200), as a server without range support does. */
  ignoreRange?: boolean;
  /** Answer a Range request with a 206 even when If-Range names another version. */
  ignoreIfRange?: boolean;
  /** Destroy the connection after this many body bytes. */
  cutAfter?: number;
  /** Send this many body bytes, then nothing more (the connection stays open). */
  stallAfter?: number;
}

/** A version of a file: its bytes and validators. */
export interface Version {
  bytes: Buffer;
  etag?: string | undefined;
  lastModified?: string | undefined;
}

/** Serves `version` for a GET, with Range/If-Range handling and the faults asked for. */
export function serve(req: IncomingMessage, res: ServerResponse, version: Version, faults: ServeFaults = {}) {
  const { bytes } = version;
  const headers: Record<string, string | number> = { "content-type": "application/octet-stream" };
  if (version.etag) headers.etag = version.etag;
  if (version.lastModified) headers["last-modified"] = version.lastModified;
  let start = 0;
  let status = 200;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const ifRange = req.headers["if-range"] as string | undefined;
  const sameVersion = !ifRange || ifRange === version.etag || ifRange === version.lastModified;
  if (range && !faults.ignoreRange && (sameVersion || faults.ignoreIfRange)) {
    start = Number(range[1]);
    if (start >= bytes.length) {
      res.writeHead(416, { "content-range": `bytes */${bytes.length}` });
      return res.end();
    }
    status = 206;
    headers["content-range"] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
  }
  const body = bytes.subarray(start);
  headers["content-length"] = body.length;
  res.writeHead(status, headers);
  const limit = faults.cutAfter ?? faults.stallAfter;
  if (limit === undefined) return res.end(body);
  res.write(body.subarray(0, limit), () => {
    if (faults.cutAfter !== undefined) setTimeout(() => res.socket?.destroy(), 20);
  });
}

/**
 * Starts a server on 127.0.0.1 whose handler sees each request with its index; requests are
 * recorded. Node's server keeps a socket the client half-closed (FIN) open while a response is
 * unfinished or no request came: this one closes it when the client does, so that a socket
 * still open after a test is the client's doing and shows in {@link liveHandles}.
 */
export async function faultServer(
  handler: (req: IncomingMessage, res: ServerResponse, index: number) => unknown,
): Promise<TestServer> {
  const requests: TestServer["requests"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: raw.toString(),
        raw,
      });
      void handler(req, res, requests.length - 1);
    });
  });
  server.on("connection", (socket) => socket.once("end", () => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Handles that keep a process alive: sockets and timers, by type. */
export function liveHandles(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((t) => t === "TCPSocketWrap" || t === "TLSWrap").length,
    timers: info.filter((t) => t === "Timeout").length,
  };
}

/** Waits (up to a second) for the sockets and timers to fall back to `baseline`; returns what is left. */
export async function settledHandles(baseline: { sockets: number; timers: number }) {
  let now = liveHandles();
  for (let i = 0; i < 50 && (now.sockets > baseline.sockets || now.timers > baseline.timers); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = liveHandles();
  }
  return now;
}
