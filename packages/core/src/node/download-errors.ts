import {
  AbortError,
  ConnectionError,
  errorFromResponse,
  PortalError,
  TimeoutError,
  type ErrorContext,
} from "../errors.js";
import { parseRetryAfter, sleep } from "../retry.js";
import { IdleTimeout, ResponseTimeout, type Exchange, type ResponseHead } from "./http-reader.js";

/** A download's failures as typed errors: the network's, the server's answers, an abort. */

/** A failure of the connection (a reset, a timeout) as a `ConnectionError` or `TimeoutError`. */
export function connectionError(
  error: unknown,
  context: ErrorContext,
  idleTimeoutMs: number,
  timeoutMs: number,
): PortalError {
  if (error instanceof PortalError) return error;
  if (error instanceof IdleTimeout || error instanceof ResponseTimeout) {
    const message =
      error instanceof IdleTimeout
        ? `no data for ${idleTimeoutMs / 1000} s`
        : `the response did not finish within ${timeoutMs / 1000} s`;
    return new TimeoutError(message, { ...context, code: "timeout", cause: error });
  }
  const code = (error as { code?: string })?.code;
  return new ConnectionError(`the download connection failed${code ? ` (${code})` : ""}`, {
    ...context,
    code: "connection_error",
    cause: error,
  });
}

/** The abort as an `AbortError` (or the caller's own `PortalError` reason). */
export function abortError(signal: AbortSignal, context: ErrorContext): PortalError {
  if (signal.reason instanceof PortalError) return signal.reason;
  return new AbortError("the download was aborted", { ...context, code: "aborted", cause: signal.reason });
}

/** Waits, or throws the abort. */
export async function pause(ms: number, signal: AbortSignal | undefined, context: ErrorContext) {
  try {
    await sleep(ms, signal);
  } catch {
    throw abortError(signal!, context);
  }
}

/** The response head as `Headers`. */
export function toHeaders(head: ResponseHead): Headers {
  const headers = new Headers();
  for (const [name, value] of head.rawHeaders) headers.append(name, value);
  return headers;
}

/** The typed error for an HTTP answer, with (up to 64 KiB of) its body for the message. */
export async function httpError(
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
