import type { Socket } from "node:net";
import { ValidationError } from "../errors.js";
import { nodeBuiltins } from "../builtins.js";
import { BUFFER_SIZE, giveBuffer, openConnection, queueLimit, takeBuffer } from "./buffer-pool.js";
import { proxyAuthorization } from "./proxy-env.js";
import { openTunnel } from "./proxy-tunnel.js";

/**
 * A minimal HTTP/1.1 GET for downloads, read with `onread` into reused buffers (`buffer-pool.ts`).
 * `node:http` allocates a new buffer per socket read; over a large file that churns about 64 MiB
 * of garbage until V8 collects it, and costs CPU. Here memory stays at a few buffers per
 * connection whatever the file's size, and each buffer goes straight to the file. One request per
 * connection (`Connection: close`); the caller handles redirects, ranges and retries.
 */

/** The status line and headers of a response. */
export interface ResponseHead {
  status: number;
  statusText: string;
  /** Header values by lower-case name; repeated headers joined with ", " (Set-Cookie excepted: first). */
  headers: Record<string, string>;
  rawHeaders: [string, string][];
}

/** An exchange whose head has arrived; its body has not been read yet. */
export interface Exchange {
  head: ResponseHead;
  /**
   * Reads the body, calling `write` for each piece in order and waiting for it (each piece is valid
   * only until its promise settles). Resolves at the end of the body; rejects when the connection
   * breaks first, after every piece received has been written.
   */
  readBody(write: (pieces: Uint8Array[]) => Promise<void>): Promise<void>;
  /** Drops the connection without reading the body. */
  close(): void;
}

const MAX_HEAD = 64 * 1024;

/** No byte arrived within the idle limit. */
export class IdleTimeout extends Error {
  constructor() {
    super("idle timeout");
  }
}

/** The response (headers and body) did not finish within the attempt's time limit. */
export class ResponseTimeout extends Error {
  constructor() {
    super("response timeout");
  }
}

export class ConnectionClosed extends Error {
  readonly code = "ECONNRESET";
  constructor(message: string) {
    super(message);
  }
}

interface Piece {
  view: Uint8Array;
  buffer: Buffer;
}

/** Parses `HTTP/1.1 200 OK\r\nName: value\r\n...`; undefined when malformed. */
export function parseHead(text: string): ResponseHead | undefined {
  const lines = text.split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  const rawHeaders: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    rawHeaders.push([name, value]);
    const key = name.toLowerCase();
    if (headers[key] === undefined) headers[key] = value;
    else if (key !== "set-cookie") headers[key] = `${headers[key]}, ${value}`;
  }
  return { status: Number(match[1]), statusText: match[2] ?? "", headers, rawHeaders };
}

/** Limits and routing of one {@link get}. */
export interface ReaderOptions {
  idleTimeoutMs: number;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** The proxy to go through (from `proxy-env.ts`), or undefined to connect directly. */
  proxy?: URL | undefined;
}

/**
 * Sends a GET and resolves when the response head arrives. `idleTimeoutMs` limits each wait for
 * bytes; `timeoutMs` (when above 0) the whole exchange. Every way out (end, failure, abort,
 * `close()`) destroys the socket and clears its timers and listeners.
 */
export function get(url: URL, headers: Record<string, string>, options: ReaderOptions): Promise<Exchange> {
  // Checked before connecting: a refused request must leave no socket behind.
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) {
      return Promise.reject(
        new ValidationError(
          `the header ${JSON.stringify(name)} has a name or value that cannot be sent (CR, LF or NUL)`,
          {
            code: "invalid_header_value",
          },
        ),
      );
    }
  }
  const proxy = options.proxy;
  // An https file goes through a CONNECT tunnel; an http one is asked of the proxy by absolute URI.
  if (proxy && url.protocol === "https:")
    return openTunnel(proxy, url, options.signal, options.idleTimeoutMs).then((tunnel) =>
      exchange(url, headers, options, undefined, tunnel),
    );
  return exchange(url, headers, options, proxy, undefined);
}

function exchange(
  url: URL,
  headers: Record<string, string>,
  options: ReaderOptions,
  proxy: URL | undefined,
  tunnel: Socket | undefined,
): Promise<Exchange> {
  const { net, tls } = nodeBuiltins("download()");
  const secure = url.protocol === "https:";
  const port = Number(url.port) || (secure ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, "");

  // Reading pauses when `queueLimit()` buffers wait for the disk, and resumes as soon as one is
  // written. Node also holds one buffer for the socket's next read, paused or not.
  const users = new Map<Buffer, number>(); // pieces of each buffer still waiting to be written
  const closeSlot = openConnection();
  let lent: Buffer | undefined; // the buffer Node holds for the socket's next read
  const pieces: Piece[] = [];
  let headParts: Buffer[] = [];
  let headLength = 0;
  let head: ResponseHead | undefined;
  let failure: Error | undefined;
  let ended = false;
  let paused = false;
  let wake: (() => void) | undefined;

  // Body framing state.
  let remaining = Infinity; // Content-Length left, or Infinity until close
  let chunked = false;
  let chunkLeft = 0; // bytes left in the current chunk
  let chunkState: "size" | "data" | "data-crlf" | "trailer" = "size";
  let sizeLine = "";
  let trailerLine = "";

  let resolveHead!: (exchange: Exchange) => void;
  let rejectHead!: (error: Error) => void;
  const headPromise = new Promise<Exchange>((resolve, reject) => {
    resolveHead = resolve;
    rejectHead = reject;
  });

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const finish = () => {
    ended = true;
    socket.destroy();
    notify();
  };
  const fail = (error: Error) => {
    if (ended || failure) return;
    failure = error;
    if (!head) rejectHead(error);
    socket.destroy();
    notify();
  };

  const push = (view: Uint8Array, buffer: Buffer) => {
    if (view.length === 0) return;
    users.set(buffer, (users.get(buffer) ?? 0) + 1);
    pieces.push({ view, buffer });
    notify();
  };

  /** Splits body bytes by the framing, queueing the payload; returns false when the body is done. */
  const body = (data: Uint8Array, buffer: Buffer): void => {
    if (!chunked) {
      const take = Math.min(data.length, remaining);
      push(data.subarray(0, take), buffer);
      remaining -= take;
      if (remaining === 0) finish();
      return;
    }
    let i = 0;
    while (i < data.length && !ended) {
      if (chunkState === "size") {
        const nl = data.indexOf(10, i);
        sizeLine += Buffer.from(data.subarray(i, nl < 0 ? data.length : nl)).toString("latin1");
        if (nl < 0) return;
        i = nl + 1;
        const size = parseInt(sizeLine.trim().split(";")[0]!, 16);
        sizeLine = "";
        if (!Number.isFinite(size) || size < 0) return fail(new ConnectionClosed("malformed chunked body"));
        chunkLeft = size;
        chunkState = size === 0 ? "trailer" : "data";
      } else if (chunkState === "data") {
        const take = Math.min(chunkLeft, data.length - i);
        push(data.subarray(i, i + take), buffer);
        chunkLeft -= take;
        i += take;
        if (chunkLeft === 0) chunkState = "data-crlf";
      } else if (chunkState === "data-crlf") {
        const nl = data.indexOf(10, i);
        if (nl < 0) return;
        i = nl + 1;
        chunkState = "size";
      } else {
        const nl = data.indexOf(10, i);
        trailerLine += Buffer.from(data.subarray(i, nl < 0 ? data.length : nl)).toString("latin1");
        if (nl < 0) return;
        i = nl + 1;
        if (trailerLine.trim() === "") return finish();
        trailerLine = "";
      }
    }
  };

  const onData = (bytes: number, buffer: Buffer) => {
    if (ended || failure) return;
    const data = buffer.subarray(0, bytes);
    if (head) {
      body(data, buffer);
    } else {
      headParts.push(Buffer.from(data)); // heads are small: copy, so the pool buffer stays free
      headLength += bytes;
      const all = Buffer.concat(headParts, headLength);
      const end = all.indexOf("\r\n\r\n");
      if (end < 0) {
        if (headLength > MAX_HEAD) fail(new ConnectionClosed("response head too large"));
        return;
      }
      const parsed = parseHead(all.subarray(0, end).toString("latin1"));
      if (!parsed) return fail(new ConnectionClosed("malformed response head"));
      if (parsed.status >= 100 && parsed.status < 200) {
        headParts = [all.subarray(end + 4)];
        headLength = headParts[0]!.length;
        return;
      }
      head = parsed;
      headParts = [];
      const length = parsed.headers["content-length"];
      chunked = /\bchunked\b/i.test(parsed.headers["transfer-encoding"] ?? "");
      if (!chunked && length !== undefined) remaining = Number(length);
      const rest = all.subarray(end + 4);
      resolveHead(exchange);
      if (remaining === 0 && !chunked) return finish();
      // The head was copied out of the pool, so the body bytes after it are read from the copy.
      if (rest.length) body(rest, all);
    }
  };

  const release = (buffer: Buffer) => {
    giveBuffer(buffer);
    if (paused && users.size < queueLimit()) {
      paused = false;
      socket.resume();
    }
  };

  const connectOptions = {
    host,
    port,
    onread: {
      // A pooled buffer for every read; the callback pauses the socket while the disk catches up.
      buffer: () => (lent = takeBuffer()),
      callback: (bytes: number, buffer: Buffer) => {
        if (buffer === lent) lent = undefined;
        onData(bytes, buffer);
        if (!users.get(buffer)) release(buffer);
        if (users.size >= queueLimit() && !paused) {
          paused = true;
          return false;
        }
        return true;
      },
    },
  };
  const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
  const hop = proxy
    ? {
        host: proxy.hostname.replace(/^\[|\]$/g, ""),
        port: Number(proxy.port) || (proxy.protocol === "https:" ? 443 : 80),
      }
    : undefined;
  const socket: Socket = tunnel
    ? overTunnel(tunnel, servername, connectOptions.onread)
    : hop
      ? proxy!.protocol === "https:"
        ? tls.connect({ ...connectOptions, ...hop, servername: proxy!.hostname, ALPNProtocols: ["http/1.1"] })
        : net.connect({ ...connectOptions, ...hop })
      : secure
        ? tls.connect({ ...connectOptions, servername, ALPNProtocols: ["http/1.1"] })
        : net.connect(connectOptions);

  socket.setTimeout(options.idleTimeoutMs, () => socket.destroy(new IdleTimeout()));
  if (options.timeoutMs && options.timeoutMs > 0) {
    const deadline = setTimeout(() => socket.destroy(new ResponseTimeout()), options.timeoutMs);
    socket.once("close", () => clearTimeout(deadline));
  }
  socket.on("error", (error) => fail(error));
  socket.on("end", () => {
    if (head && remaining === Infinity && !chunked) finish();
    else
      fail(
        new ConnectionClosed(
          head ? "the connection closed before the body ended" : "the connection closed before a response",
        ),
      );
  });
  socket.on("close", () => {
    if (!ended) fail(new ConnectionClosed("the connection closed before the body ended"));
    // Closed: Node reads into the buffer it held no more, so the next connection may have it.
    if (lent) giveBuffer(lent);
    lent = undefined;
    closeSlot();
  });
  const onAbort = () =>
    fail(options.signal!.reason instanceof Error ? options.signal!.reason : new Error("aborted"));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  socket.once("close", () => options.signal?.removeEventListener("abort", onAbort));

  // Through a proxy without a tunnel, the request line names the whole URL (RFC 9112 §3.2.2).
  const target = proxy ? url.href.replace(/#.*$/, "") : `${url.pathname || "/"}${url.search}`;
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${url.host}`, "Connection: close"];
  const auth = proxy ? proxyAuthorization(proxy) : undefined;
  if (auth) lines.push(`Proxy-Authorization: ${auth}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);

  const exchange: Exchange = {
    get head() {
      return head!;
    },
    close: () => fail(new ConnectionClosed("closed by the client")),
    async readBody(write) {
      for (;;) {
        if (pieces.length > 0) {
          // Everything queued goes to disk in one call.
          const batch = pieces.splice(0, pieces.length);
          try {
            await write(batch.map((p) => p.view));
          } catch (error) {
            fail(error as Error);
            throw error;
          }
          for (const piece of batch) {
            const left = (users.get(piece.buffer) ?? 1) - 1;
            if (left === 0) {
              users.delete(piece.buffer);
              release(piece.buffer);
            } else users.set(piece.buffer, left);
          }
          continue;
        }
        if (ended) return;
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
  return headPromise;
}

/**
 * TLS inside a proxy tunnel. `tls.connect` ignores `onread` over an existing socket, so each chunk
 * is copied into a pool buffer and handed to the same callback: the pool's back-pressure (pause
 * when it runs low, resume as buffers are written) then holds as on a direct connection.
 */
function overTunnel(
  tunnel: Socket,
  servername: string | undefined,
  onread: { buffer: () => Buffer; callback: (bytes: number, buffer: Buffer) => boolean },
): Socket {
  const { tls } = nodeBuiltins("download()");
  const socket = tls.connect({ socket: tunnel, servername, ALPNProtocols: ["http/1.1"] });
  socket.on("data", (chunk: Buffer) => {
    const buffer = chunk.length <= BUFFER_SIZE ? onread.buffer() : chunk;
    if (buffer !== chunk) chunk.copy(buffer);
    if (!onread.callback(chunk.length, buffer)) socket.pause();
  });
  return socket;
}
