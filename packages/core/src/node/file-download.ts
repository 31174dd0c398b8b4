import { judgeAttempt, type Verdict } from "../attempt-policy.js";
import { DEFAULT_CROSS_ORIGIN, headersForOtherOrigin, type CrossOriginPolicy } from "../cross-origin.js";
import {
  ConnectionError,
  PortalError,
  TransferError,
  ValidationError,
  type ErrorContext,
} from "../errors.js";
import type { Observer, RequestEvent } from "../hooks.js";
import { retryPolicy, type RetryOptions } from "../retry.js";
import { nodeBuiltins } from "../builtins.js";
import {
  checkDestination,
  FileWriteError,
  fileError,
  onDisk,
  removeQuietly,
  sizeOf,
  verifyChecksum,
} from "./destination.js";
import { abortError, connectionError, httpError, pause, toHeaders } from "./download-errors.js";
import { get, type Exchange } from "./http-reader.js";
import { proxyRoute, type ProxyRoute } from "./proxy-env.js";
import { EMPTY, loadPartial, sameVersion, validatorOf, type PartState } from "./part-file.js";
import { processEnv } from "../env.js";

/** Where a download's bytes come from. */
export interface DownloadSource {
  url: string;
  /** Headers for each attempt (credentials, for a portal's own URL). */
  headers?: (() => Record<string, string> | Promise<Record<string, string>>) | undefined;
  /** Names of the headers above that carry the client's credentials: never sent to another origin. */
  credentialHeaders?: readonly string[] | undefined;
  /** Which other headers a redirect to another origin drops; the three fetch drops by default. */
  crossOrigin?: CrossOriginPolicy | undefined;
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
  /** The client's logger and hooks, and the operation's path template to report attempts under. */
  report?: { observer: Observer; path: string | undefined } | undefined;
}

export { checkDestination } from "./destination.js";

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
  /** Create the destination's missing parent directories. Default false: a missing one is an error. */
  createDirectories?: boolean | undefined;
  /**
   * Continue from a `<destination>.part` left by an earlier call when the server still has the
   * same file (asked with If-Range, and checked: the answer's ETag or Last-Modified and total must
   * be those the part was started from). Default true.
   */
  resume?: boolean | undefined;
  /** Retries after failures that made no progress (a cut that made progress does not count). Default 5. */
  maxRetries?: number | undefined;
  /** Backoff between attempts; see {@link RetryOptions}. */
  retry?: RetryOptions | undefined;
  /** Fail an attempt when no byte arrives for this long, in milliseconds. Default 60000. */
  idleTimeoutMs?: number | undefined;
  /**
   * Fail an attempt that has not finished (headers and body) after this long, in milliseconds; a
   * later attempt resumes from the bytes on disk. Default 0: no limit, as a file may be large.
   */
  timeoutMs?: number | undefined;
  /** The size the file must have, when known in advance. */
  expectedSize?: number | undefined;
  /**
   * The proxy to download through: a URL, or `false` for none. By default `HTTPS_PROXY`,
   * `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (and lower-case forms), as curl reads them; a client's
   * `download()` passes the client's `proxy` option.
   */
  proxy?: string | false | undefined;
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

const MAX_REDIRECTS = 5;
const PROGRESS_INTERVAL_MS = 100;
/** Restarts from zero that kept no more bytes than before, beyond which resuming is hopeless. */
const MAX_FRUITLESS_RESTARTS = 2;

/**
 * Streams a URL to a file with constant memory: bytes go to `<destination>.part`, a cut
 * connection resumes with `Range` + `If-Range` (and the answer is checked to be the same version
 * of the file), the length (and checksum, when given) is verified, and only then is the file
 * renamed into place. A failed download leaves nothing at the destination. Uses `node:http`-level
 * sockets, which keep up with curl where WHATWG fetch bodies do not.
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
  const timeoutMs = options.timeoutMs ?? 0;
  const resume = options.resume ?? true;
  const signal = options.signal;
  const route = proxyRoute(options.proxy, processEnv());

  await checkDestination(destination, options, context);

  let state: PartState = { ...EMPTY };
  if (resume) state = await loadPartial(part, sidecar, resumeKey);
  else await removeQuietly(part, sidecar);
  const resumedFrom = state.offset;

  let transferred = 0;
  let attempts = 0;
  let failures = 0;
  let renewals = 0;
  let restarted = false;
  let fruitless = 0; // restarts that kept no more bytes than the best so far
  let best = state.offset; // the most bytes ever kept on disk by this call
  let lastError: unknown;
  const progress = throttle(options.onProgress);
  // The attempt being reported to the client's logger and hooks, when it has any: reported once,
  // when its outcome is known (after the body for an accepted answer).
  let seen: RequestEvent | undefined;
  let began = 0;
  const callNumber = src.report ? src.report.observer.nextCall() : 0;
  const report = (outcome: Parameters<Observer["response"]>[2], verdict: Verdict) => {
    if (!seen) return;
    src.report?.observer.response(seen, began, outcome, verdict);
    seen = undefined;
  };

  /** Backs off before the next attempt, or fails when the attempts are used up. */
  const retryAfterFailure = async (failure: PortalError, status?: number) => {
    const verdict = judgeAttempt(
      { failure },
      { retries: failures, maxRetries, idempotent: true, canRefresh: false },
      policy,
    );
    report({ failure, status }, verdict);
    if (verdict.action !== "retry") throw failure;
    lastError = failure;
    failures++;
    await pause(verdict.waitMs, signal, context);
  };
  /** Forgets the partial bytes: the next attempt starts from zero. */
  const startOver = async () => {
    state = { ...EMPTY };
    restarted = true;
    await onDisk(() => fsp.writeFile(part, ""));
  };

  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal, context);
      attempts++;
      const headers: Record<string, string> = { ...(await src.headers?.()), "accept-encoding": "identity" };
      const ranged = state.offset > 0;
      if (ranged) {
        headers.range = `bytes=${state.offset}-`;
        const validator = validatorOf(state);
        if (validator) headers["if-range"] = validator;
      }

      if (src.report) {
        seen = {
          call: callNumber,
          portal: context.portal ?? "",
          operationId: context.operationId,
          method: "GET",
          path: src.report.path,
          attempt: attempts,
          kind: "download",
        };
        began = src.report.observer.request(seen);
      }
      let exchange: Exchange;
      try {
        exchange = await open(src, headers, { idleTimeoutMs, timeoutMs, signal, route });
      } catch (error) {
        if (signal?.aborted) throw abortError(signal, context);
        if (error instanceof PortalError) throw error;
        await retryAfterFailure(connectionError(error, context, idleTimeoutMs, timeoutMs));
        continue;
      }

      try {
        const { status, headers: received } = exchange.head;
        if (status === 416) {
          exchange.close();
          const total = parseContentRange(received["content-range"])?.total ?? state.total;
          if (total !== undefined && state.offset === total) break; // everything was already here
          const refused = new TransferError(`the server refused bytes ${state.offset}- of the file`, {
            ...context,
            code: "range_not_satisfiable",
          });
          await startOver();
          await retryAfterFailure(refused);
          continue;
        }
        const verdict = judgeAttempt(
          { status, headers: toHeaders(exchange.head) },
          {
            retries: failures,
            maxRetries,
            idempotent: true,
            canRefresh: src.renew !== undefined && renewals < 3,
            refreshOn: [401, 403],
          },
          policy,
        );
        if (seen && verdict.action !== "accept")
          report({ status, headers: toHeaders(exchange.head) }, verdict);
        if (verdict.action === "refresh") {
          exchange.close();
          const renewed = await src.renew!(status);
          if (renewed) {
            renewals++;
            src = renewed;
            continue;
          }
          throw await httpError(exchange, context, { drain: false, hint: src.refusalHint });
        }
        if (verdict.action === "retry") {
          lastError = await httpError(exchange, context, {});
          failures++;
          await pause(verdict.waitMs, signal, context);
          continue;
        }
        if (verdict.action === "fail" || (status !== 200 && status !== 206)) {
          const hint = status === 401 || status === 403 ? src.refusalHint : undefined;
          const retryAfterMs = verdict.action === "fail" ? verdict.retryAfterMs : undefined;
          throw await httpError(exchange, context, { hint, retryAfterMs });
        }

        if (status === 206) {
          const range = parseContentRange(received["content-range"]);
          if (!range || range.start !== state.offset) {
            throw new TransferError(
              `the server sent bytes ${received["content-range"] ?? "(no Content-Range)"} when asked for bytes ${state.offset}-`,
              { ...context, code: "range_mismatch" },
            );
          }
          if (!sameVersion(state, received, range.total)) {
            // Another version of the file, whether or not the server looked at If-Range: appending
            // would splice two files, so the partial bytes go and the next request starts over.
            exchange.close();
            await startOver();
            continue;
          }
          state.total = range.total ?? state.total;
        } else {
          // A 200 is the whole file: the file changed, or Range is not honoured. Start from zero.
          if (ranged) restarted = true;
          const length = received["content-length"];
          state = { ...EMPTY, total: length === undefined ? undefined : Number(length) };
        }
        state.etag = received.etag ?? state.etag;
        state.lastModified = received["last-modified"] ?? state.lastModified;
        if (
          options.expectedSize !== undefined &&
          state.total !== undefined &&
          state.total !== options.expectedSize
        ) {
          throw new TransferError(
            `the server offers ${state.total} bytes but ${options.expectedSize} were expected`,
            { ...context, code: "length_mismatch" },
          );
        }
        // The reader holds what arrives meanwhile (a few MiB, then it pauses the socket).
        await onDisk(() =>
          fsp.writeFile(sidecar, JSON.stringify({ key: resumeKey, ...state, offset: undefined })),
        );
        const before = state.offset;
        let complete = false;
        try {
          await writeBody(exchange, part, before > 0, (got) =>
            progress({ bytes: before + got, total: state.total, transferred: transferred + got }),
          );
          complete = true;
        } catch (error) {
          if (error instanceof FileWriteError) throw fileError(error, part, context);
          if (signal?.aborted) throw abortError(signal, context);
          lastError = connectionError(error, context, idleTimeoutMs, timeoutMs);
        }
        state.offset = await sizeOf(part);
        transferred += state.offset - before;
        if (state.total !== undefined && state.offset > state.total) {
          throw new TransferError(`received ${state.offset} bytes but the server announced ${state.total}`, {
            ...context,
            code: "length_mismatch",
          });
        }
        if (complete && (state.total === undefined || state.offset === state.total)) {
          report({ status, headers: toHeaders(exchange.head) }, { action: "accept" });
          break;
        }
        if (complete) {
          lastError = new ConnectionError(
            `the connection closed after ${state.offset} of ${state.total} bytes`,
            {
              ...context,
              code: "connection_error",
            },
          );
        }
        if (state.offset > best) {
          best = state.offset; // progress: the cut is forgiven
          failures = 0;
          report({ failure: lastError as PortalError, status }, { action: "retry", waitMs: 0 });
          continue;
        }
        if (before === 0 && ranged && ++fruitless > MAX_FRUITLESS_RESTARTS) {
          throw new TransferError(
            `the server does not support ranged requests: it sent the whole file again ${fruitless} times ` +
              `and cut it short at ${state.offset} bytes each time, so the download cannot resume`,
            { ...context, code: "range_not_supported", cause: lastError },
          );
        }
        await retryAfterFailure(lastError as PortalError, status);
      } finally {
        exchange.close();
      }
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
    try {
      await fsp.rename(part, destination);
    } catch (error) {
      throw fileError(error, destination, context);
    }
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
  } catch (caught) {
    const error = caught instanceof FileWriteError ? fileError(caught, part, context) : caught;
    // Keep a `.part` only when a later call can safely resume it: a full disk included.
    const resumable =
      resume &&
      validatorOf(state) !== undefined &&
      (!(error instanceof TransferError) || error.code === "disk_full");
    if (!resumable) await removeQuietly(part, sidecar);
    throw error;
  }
}

/**
 * Sends the GET, following redirects. A hop to another origin drops the client's credentials and
 * every header the cross-origin policy calls sensitive (see `cross-origin.ts`).
 */
async function open(
  src: DownloadSource,
  headers: Record<string, string>,
  limits: {
    idleTimeoutMs: number;
    timeoutMs: number;
    signal: AbortSignal | undefined;
    route: ProxyRoute | undefined;
  },
): Promise<Exchange> {
  let url = new URL(src.url);
  let sendHeaders = headers;
  for (let hops = 0; ; hops++) {
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new ValidationError(`cannot download from ${url.protocol} URLs`, { code: "invalid_url" });
    }
    // Each hop decides anew: a redirect may lead to a host NO_PROXY lists.
    const exchange = await get(url, sendHeaders, { ...limits, proxy: limits.route?.(url) });
    const { status, headers: received } = exchange.head;
    const location = received.location;
    if (status < 300 || status >= 400 || status === 304 || !location || hops >= MAX_REDIRECTS)
      return exchange;
    exchange.close();
    const next = new URL(location, url);
    if (next.origin !== url.origin) {
      const policy = src.crossOrigin ?? DEFAULT_CROSS_ORIGIN;
      sendHeaders = headersForOtherOrigin(sendHeaders, policy, src.credentialHeaders);
    }
    url = next;
  }
}

/**
 * Writes the body to the part file. When the connection breaks, the bytes already received are
 * written before the failure is reported, so the next attempt resumes from exactly what arrived.
 * A failure of the file itself is a {@link FileWriteError}, never mistaken for a network one.
 */
async function writeBody(
  exchange: Exchange,
  part: string,
  append: boolean,
  onBytes: (received: number) => void,
): Promise<void> {
  const { fsp } = nodeBuiltins("download()");
  const file = await onDisk(() => fsp.open(part, append ? "a" : "w"));
  let received = 0;
  try {
    await exchange.readBody(async (pieces) => {
      await onDisk(() => file.writev(pieces));
      for (const piece of pieces) received += piece.length;
      onBytes(received);
    });
  } finally {
    await file.close().catch(() => {});
  }
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
