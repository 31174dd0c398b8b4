import {
  AbortError,
  ConnectionError,
  errorFromResponse,
  PortalError,
  TimeoutError,
  TransferError,
  ValidationError,
  type ErrorContext,
} from "../errors.js";
import {
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  retryPolicy,
  sleep,
  type RetryOptions,
} from "../retry.js";
import { nodeBuiltins } from "./builtins.js";
import { get, IdleTimeout, type Exchange, type ResponseHead } from "./http-reader.js";

/** Where a download's bytes come from. */
export interface DownloadSource {
  url: string;
  /** Headers for each attempt (credentials, for a portal's own URL). */
  headers?: (() => Record<string, string> | Promise<Record<string, string>>) | undefined;
  /** Names of the headers above that carry credentials; dropped on a redirect to another origin. */
  credentialHeaders?: readonly string[] | undefined;
  /**
   * Called when the server answers 401 or 403 (an expired pre-signed URL, an expired token).
   * Returns a source to continue from, or undefined to fail.
   */
  renew?: ((status: number) => Promise<DownloadSource | undefined>) | undefined;
  /** Added to the message when the source still answers 401 or 403 after `renew`. */
  refusalHint?: string | undefined;
  /** Identifies the file across calls, so a later call may resume a `.part`; default the URL without its query. */
  resumeKey?: string | undefined;
  /** For error messages. */
  context?: ErrorContext | undefined;
}

/** A progress report: bytes on disk so far, the total when known, and bytes received by this call. */
export interface DownloadProgress {
  bytes: number;
  total: number | undefined;
  transferred: number;
}

/** Options for a download to a file. */
export interface DownloadOptions {
  /** Called as bytes arrive (at most every 100 ms) and once at the end. */
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** Aborts the download. A resumable `.part` is kept for a later call. */
  signal?: AbortSignal | undefined;
  /** Replace an existing file at the destination. Default false: an existing file is an error. */
  overwrite?: boolean | undefined;
  /**
   * Continue from a `<destination>.part` left by an earlier call when the server still has the
   * same file (checked with If-Range). Default true.
   */
  resume?: boolean | undefined;
  /** Retries after failures that made no progress (a cut that made progress does not count). Default 5. */
  maxRetries?: number | undefined;
  /** Backoff between attempts; see {@link RetryOptions}. */
  retry?: RetryOptions | undefined;
  /** Fail an attempt when no byte arrives for this long, in milliseconds. Default 60000. */
  idleTimeoutMs?: number | undefined;
  /** The size the file must have, when known in advance. */
  expectedSize?: number | undefined;
  /** A digest the file must have, as hex (or base64). */
  checksum?: { algorithm: "md5" | "sha1" | "sha256" | "sha512"; expected: string } | undefined;
}

/** What a finished download did. */
export interface DownloadResult {
  /** The destination path. */
  path: string;
  /** The file's size in bytes. */
  size: number;
  /** Bytes received over the network by this call (less than `size` when it resumed). */
  transferred: number;
  /** True when it continued from bytes already on disk. */
  resumed: boolean;
  /** True when the server's file changed under a resume and the download started over. */
  restarted: boolean;
  /** HTTP requests made for the file's bytes. */
  attempts: number;
  etag: string | undefined;
}

interface PartState {
  offset: number;
  total: number | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
}

const MAX_REDIRECTS = 5;
const PROGRESS_INTERVAL_MS = 100;

/**
 * Streams a URL to a file with constant memory: bytes go to `<destination>.part`, a cut
 * connection resumes with `Range` + `If-Range`, the length (and checksum, when given) is
 * verified, and only then is the file renamed into place. A failed download leaves nothing at
 * the destination. Uses `node:http`, which keeps up with curl where WHATWG fetch bodies do not.
 */
export async function downloadToFile(
  source: DownloadSource | string,
  destination: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const { fsp } = nodeBuiltins("download()");
  let src: DownloadSource = typeof source === "string" ? { url: source } : source;
  const context: ErrorContext = { ...src.context };
  const part = `${destination}.part`;
  const sidecar = `${destination}.part.json`;
  const resumeKey = src.resumeKey ?? withoutQuery(src.url);
  const policy = retryPolicy(options.retry);
  const maxRetries = options.maxRetries ?? 5;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const signal = options.signal;

  await checkDestination(destination, options.overwrite ?? false, context);

  let state: PartState = { offset: 0, total: undefined, etag: undefined, lastModified: undefined };
  if (options.resume ?? true) state = await loadPartial(part, sidecar, resumeKey);
  else await removeQuietly(part, sidecar);
  const resumedFrom = state.offset;

  let transferred = 0;
  let attempts = 0;
  let failures = 0;
  let renewals = 0;
  let restarted = false;
  let lastError: unknown;
  const progress = throttle(options.onProgress);

  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal, context);
      if (failures > maxRetries) {
        throw lastError instanceof PortalError
          ? lastError
          : new ConnectionError(`download of ${destination} failed after ${attempts} attempts`, {
              ...context,
              cause: lastError,
            });
      }
      attempts++;
      const headers: Record<string, string> = { ...(await src.headers?.()), "accept-encoding": "identity" };
      if (state.offset > 0) {
        headers.range = `bytes=${state.offset}-`;
        const validator = state.etag && !state.etag.startsWith("W/") ? state.etag : state.lastModified;
        if (validator) headers["if-range"] = validator;
      }

      let exchange: Exchange;
      try {
        exchange = await open(src, headers, idleTimeoutMs, signal);
      } catch (error) {
        if (signal?.aborted) throw abortError(signal, context);
        if (error instanceof PortalError) throw error;
        lastError = connectionError(error, context, idleTimeoutMs);
        failures++;
        await pause(backoffDelay(failures - 1, policy), signal, context);
        continue;
      }

      const { status, headers: received } = exchange.head;
      if ((status === 401 || status === 403) && src.renew && renewals < 3) {
        exchange.close();
        const renewed = await src.renew(status);
        if (renewed) {
          renewals++;
          src = renewed;
          continue;
        }
        throw await httpError(exchange, context, { drain: false, hint: src.refusalHint });
      }
      if (status === 416) {
        exchange.close();
        const total = parseContentRange(received["content-range"])?.total ?? state.total;
        if (total !== undefined && state.offset === total) break; // everything was already here
        state = { offset: 0, total: undefined, etag: undefined, lastModified: undefined };
        await removeQuietly(part);
        restarted = true;
        failures++;
        continue;
      }
      if (status === 206) {
        const range = parseContentRange(received["content-range"]);
        if (!range || range.start !== state.offset) {
          exchange.close();
          throw new TransferError(
            `the server sent bytes ${received["content-range"] ?? "(no Content-Range)"} when asked for bytes ${state.offset}-`,
            { ...context, code: "range_mismatch" },
          );
        }
        state.total = range.total ?? state.total;
      } else if (status === 200) {
        if (state.offset > 0) restarted = true; // the file changed, or Range is not honoured: start over
        state.offset = 0;
        const length = received["content-length"];
        state.total = length === undefined ? undefined : Number(length);
      } else if (isRetryableStatus(status)) {
        const retryAfter = parseRetryAfter(toHeaders(exchange.head));
        const error = await httpError(exchange, context, { retryAfterMs: retryAfter });
        if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) throw error;
        lastError = error;
        failures++;
        await pause(retryAfter ?? backoffDelay(failures - 1, policy), signal, context);
        continue;
      } else {
        const hint = status === 401 || status === 403 ? src.refusalHint : undefined;
        throw await httpError(exchange, context, { hint });
      }

      state.etag = received.etag ?? state.etag;
      state.lastModified = received["last-modified"] ?? state.lastModified;
      if (
        options.expectedSize !== undefined &&
        state.total !== undefined &&
        state.total !== options.expectedSize
      ) {
        exchange.close();
        throw new TransferError(
          `the server offers ${state.total} bytes but ${options.expectedSize} were expected`,
          {
            ...context,
            code: "length_mismatch",
          },
        );
      }
      // The reader holds what arrives meanwhile (a few MiB, then it pauses the socket).
      await fsp.writeFile(sidecar, JSON.stringify({ key: resumeKey, ...state, offset: undefined }));
      const before = state.offset;
      let complete = false;
      try {
        await writeBody(exchange, part, before > 0, (got) =>
          progress({ bytes: before + got, total: state.total, transferred: transferred + got }),
        );
        complete = true;
      } catch (error) {
        if (signal?.aborted) throw abortError(signal, context);
        lastError = connectionError(error, context, idleTimeoutMs);
      }
      state.offset = await sizeOf(part);
      transferred += state.offset - before;
      if (state.total !== undefined && state.offset > state.total) {
        throw new TransferError(`received ${state.offset} bytes but the server announced ${state.total}`, {
          ...context,
          code: "length_mismatch",
        });
      }
      if (complete && (state.total === undefined || state.offset === state.total)) break;
      if (complete)
        lastError = new ConnectionError(
          `the connection closed after ${state.offset} of ${state.total} bytes`,
          context,
        );
      failures = state.offset > before ? 0 : failures + 1;
      if (failures > 0) await pause(backoffDelay(failures - 1, policy), signal, context);
    }

    const size = state.offset;
    if (options.expectedSize !== undefined && size !== options.expectedSize) {
      throw new TransferError(`downloaded ${size} bytes but ${options.expectedSize} were expected`, {
        ...context,
        code: "length_mismatch",
      });
    }
    if (options.checksum) await verifyChecksum(part, options.checksum, context);
    progress.flush({ bytes: size, total: size, transferred });
    await fsp.rename(part, destination);
    await removeQuietly(sidecar);
    return {
      path: destination,
      size,
      transferred,
      resumed: resumedFrom > 0 && !restarted,
      restarted,
      attempts,
      etag: state.etag,
    };
  } catch (error) {
    // Keep a `.part` only when a later call can safely resume it.
    const resumable =
      (options.resume ?? true) && (state.etag || state.lastModified) && !(error instanceof TransferError);
    if (!resumable) await removeQuietly(part, sidecar);
    throw error;
  }
}

/** Fails when `destination` cannot take a download: a missing directory, a directory, an existing file. */
export async function checkDestination(
  destination: string,
  overwrite: boolean,
  context: ErrorContext,
): Promise<void> {
  const { fsp } = nodeBuiltins("download()");
  const dir = destination.replace(/[\\/][^\\/]*$/, "") || ".";
  const dirStat = await fsp.stat(dir === destination ? "." : dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) {
    throw new ValidationError(`cannot download to ${destination}: the directory ${dir} does not exist`, {
      ...context,
      code: "invalid_destination",
    });
  }
  const existing = await fsp.stat(destination).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new ValidationError(`cannot download to ${destination}: it is a directory; give a file path`, {
      ...context,
      code: "invalid_destination",
    });
  }
  if (existing && !overwrite) {
    throw new ValidationError(`${destination} already exists; pass { overwrite: true } to replace it`, {
      ...context,
      code: "destination_exists",
    });
  }
}

async function loadPartial(part: string, sidecar: string, key: string): Promise<PartState> {
  const { fsp } = nodeBuiltins("download()");
  const empty: PartState = { offset: 0, total: undefined, etag: undefined, lastModified: undefined };
  try {
    const saved = JSON.parse(await fsp.readFile(sidecar, "utf8")) as Partial<PartState> & { key?: string };
    const size = await sizeOf(part);
    const valid =
      saved.key === key &&
      (saved.etag || saved.lastModified) &&
      (saved.total === undefined || size <= saved.total);
    if (valid && size > 0)
      return { offset: size, total: saved.total, etag: saved.etag, lastModified: saved.lastModified };
  } catch {
    // no usable partial download
  }
  await removeQuietly(part, sidecar);
  return empty;
}

/** Sends the GET, following redirects; credentials never follow a redirect to another origin. */
async function open(
  src: DownloadSource,
  headers: Record<string, string>,
  idleTimeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Exchange> {
  let url = new URL(src.url);
  let sendHeaders = headers;
  for (let hops = 0; ; hops++) {
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new ValidationError(`cannot download from ${url.protocol} URLs`, { code: "invalid_url" });
    }
    const exchange = await get(url, sendHeaders, { idleTimeoutMs, signal });
    const { status, headers: received } = exchange.head;
    const location = received.location;
    if (status < 300 || status >= 400 || status === 304 || !location || hops >= MAX_REDIRECTS)
      return exchange;
    exchange.close();
    const next = new URL(location, url);
    if (next.origin !== url.origin && src.credentialHeaders?.length) {
      const drop = new Set(src.credentialHeaders.map((h) => h.toLowerCase()));
      sendHeaders = Object.fromEntries(
        Object.entries(sendHeaders).filter(([name]) => !drop.has(name.toLowerCase())),
      );
    }
    url = next;
  }
}

/**
 * Writes the body to the part file. When the connection breaks, the bytes already received are
 * written before the failure is reported, so the next attempt resumes from exactly what arrived.
 */
async function writeBody(
  exchange: Exchange,
  part: string,
  append: boolean,
  onBytes: (received: number) => void,
): Promise<void> {
  const { fsp } = nodeBuiltins("download()");
  const file = await fsp.open(part, append ? "a" : "w");
  let received = 0;
  try {
    await exchange.readBody(async (pieces) => {
      await file.writev(pieces);
      for (const piece of pieces) received += piece.length;
      onBytes(received);
    });
  } finally {
    await file.close();
  }
}

function connectionError(error: unknown, context: ErrorContext, idleTimeoutMs: number): PortalError {
  if (error instanceof PortalError) return error;
  if (error instanceof IdleTimeout) {
    return new TimeoutError(`no data for ${idleTimeoutMs / 1000} s`, {
      ...context,
      code: "timeout",
      cause: error,
    });
  }
  const code = (error as { code?: string })?.code;
  return new ConnectionError(`the download connection failed${code ? ` (${code})` : ""}`, {
    ...context,
    code: "connection_error",
    cause: error,
  });
}

function abortError(signal: AbortSignal, context: ErrorContext): PortalError {
  if (signal.reason instanceof PortalError) return signal.reason;
  return new AbortError("the download was aborted", { ...context, code: "aborted", cause: signal.reason });
}

async function pause(ms: number, signal: AbortSignal | undefined, context: ErrorContext) {
  try {
    await sleep(ms, signal);
  } catch {
    throw abortError(signal!, context);
  }
}

function toHeaders(head: ResponseHead): Headers {
  const headers = new Headers();
  for (const [name, value] of head.rawHeaders) headers.append(name, value);
  return headers;
}

async function httpError(
  exchange: Exchange,
  context: ErrorContext,
  extra: { retryAfterMs?: number | undefined; drain?: boolean; hint?: string | undefined },
): Promise<PortalError> {
  const { status, statusText } = exchange.head;
  let text = "";
  if (extra.drain !== false) {
    const decoder = new TextDecoder();
    try {
      await exchange.readBody(async (pieces) => {
        for (const piece of pieces) text += decoder.decode(piece, { stream: true });
        if (text.length > 65536) throw new Error("enough");
      });
    } catch {
      // the body is only for the message
    }
  }
  exchange.close();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  const headers = toHeaders(exchange.head);
  const fake = new Response(null, { status, statusText, headers });
  const error = errorFromResponse(fake, body, {
    ...context,
    method: "GET",
    retryAfterMs: extra.retryAfterMs ?? parseRetryAfter(headers),
  });
  if (extra.hint) Object.defineProperty(error, "message", { value: `${error.message}. ${extra.hint}` });
  return error;
}

/** Parses `bytes start-end/total` (total may be `*`) and `bytes *\/total`. */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number | undefined } | undefined {
  if (!value) return undefined;
  const match = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(value.trim());
  if (!match) return undefined;
  const total = match[3] === "*" ? undefined : Number(match[3]);
  if (match[1] === undefined) return { start: NaN, end: NaN, total };
  return { start: Number(match[1]), end: Number(match[2]), total };
}

async function sizeOf(path: string): Promise<number> {
  const { fsp } = nodeBuiltins("download()");
  return (await fsp.stat(path).catch(() => undefined))?.size ?? 0;
}

async function removeQuietly(...paths: string[]): Promise<void> {
  const { fsp } = nodeBuiltins("download()");
  await Promise.all(paths.map((p) => fsp.rm(p, { force: true })));
}

async function verifyChecksum(
  path: string,
  checksum: NonNullable<DownloadOptions["checksum"]>,
  context: ErrorContext,
): Promise<void> {
  const { fs, crypto, streams } = nodeBuiltins("download()");
  const hash = crypto.createHash(checksum.algorithm);
  await streams.pipeline(fs.createReadStream(path, { highWaterMark: 1 << 20 }), hash);
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

function withoutQuery(url: string): string {
  return url.replace(/[?#].*$/, "");
}

function throttle(callback: DownloadOptions["onProgress"]) {
  let last = 0;
  const report = (progress: DownloadProgress) => {
    if (!callback) return;
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    callback(progress);
  };
  report.flush = (progress: DownloadProgress) => callback?.(progress);
  return report;
}
