/**
 * Reading a JSON operation's success body, and naming what went wrong when it is not JSON: every
 * outcome is data or a typed error, never a raw `SyntaxError`/`TypeError` and never `undefined`
 * passed off as the declared type.
 */
import {
  PortalError,
  requestIdOf,
  ResponseTruncatedError,
  UnexpectedResponseError,
  type ErrorContext,
} from "./errors.js";
import type { OperationMeta } from "./operation.js";
import { redactSnippet } from "./redact.js";

// undici's codes for a socket that closed mid-body, and Node's for a reset.
const CUT_CODES = new Set([
  "UND_ERR_SOCKET",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "ECONNRESET",
  "EPIPE",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/**
 * Whether `error`, thrown while a response body was being read, means the connection closed
 * before the body was complete (undici's `TypeError: terminated`, a content-length mismatch, a
 * reset). The attempt policy retries such a failure like a reset for idempotent calls.
 */
export function isTruncatedBody(error: unknown): boolean {
  if (error instanceof ResponseTruncatedError) return true;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CUT_CODES.has(code)) return true;
    if (current instanceof TypeError && current.message === "terminated") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The typed error for a failure while reading a response body: a {@link ResponseTruncatedError}
 * when the connection cut it short, the error itself when it is already a `PortalError`, else
 * `undefined` (not a body failure: the caller decides).
 */
export function bodyReadError(
  error: unknown,
  response: Response | undefined,
  context: ErrorContext,
): PortalError | undefined {
  if (error instanceof PortalError) return error;
  if (!isTruncatedBody(error)) return undefined;
  const what = context.operationId ?? `${context.method ?? "the request"}`;
  const length = response?.headers.get("content-length");
  return new ResponseTruncatedError(
    `${context.portal ? `${context.portal}: ` : ""}the response to ${what} was cut short` +
      (length ? ` (the portal announced ${length} bytes)` : "") +
      "; the connection closed before the whole body arrived",
    {
      ...context,
      status: response?.status,
      requestId: response && requestIdOf(response.headers),
      code: "truncated_body",
      cause: error,
    },
  );
}

/** Whether an empty success body cannot be what the operation declares. */
function mustHaveBody(meta: OperationMeta, response: Response): boolean {
  if (response.status === 204 || response.status === 205 || meta.method === "HEAD") return false;
  // Pages, job states and pre-signed URLs are read from the body: nothing there is a broken answer.
  if (meta.pagination || meta.waiter || (meta.transfer?.direction === "download" && meta.transfer.url))
    return true;
  // A 200 to a GET carries the representation (RFC 9110 §15.3.1); so does any body declared JSON.
  return (response.status === 200 && meta.method === "GET") || isJson(response.headers.get("content-type"));
}

function isJson(type: string | null): boolean {
  return type !== null && /[/+]json\b/i.test(type);
}

/**
 * Parses the JSON success body of `response` for `meta`, given as text (openapi-fetch reads it
 * with `parseAs: "text"`; `undefined` when it skipped an empty body). An HTML page, invalid JSON
 * or a missing body is an {@link UnexpectedResponseError} carrying the status, content type and a
 * short redacted snippet.
 */
export function parseJsonBody(
  text: string | undefined,
  response: Response,
  meta: OperationMeta,
  context: ErrorContext,
): unknown {
  if (text === undefined || text === "" || /^\s*$/.test(text)) {
    if (!mustHaveBody(meta, response)) return undefined;
    throw unexpected(response, context, "empty_body", "an empty body where JSON was expected", text ?? "");
  }
  const type = response.headers.get("content-type");
  // A login or proxy page answers 200 with HTML: say so rather than "Unexpected token <".
  if (type !== null && /html/i.test(type))
    throw unexpected(response, context, "html_response", htmlWhat(text), text);
  try {
    return JSON.parse(text);
  } catch {
    if (/^\s*</.test(text)) throw unexpected(response, context, "html_response", htmlWhat(text), text);
    throw unexpected(response, context, "invalid_json", "a body that is not valid JSON", text);
  }
}

function htmlWhat(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  return `an HTML page${title ? ` ("${redactSnippet(title, 80)}")` : ""} where JSON was expected (a login or proxy page?)`;
}

function unexpected(
  response: Response,
  context: ErrorContext,
  code: string,
  what: string,
  text: string,
): UnexpectedResponseError {
  const type = response.headers.get("content-type") ?? undefined;
  const subject = context.operationId ?? context.method ?? "the request";
  return new UnexpectedResponseError(
    `${context.portal ? `${context.portal}: ` : ""}${subject} got ${what} ` +
      `(status ${response.status}${type ? `, ${type}` : ""})`,
    {
      ...context,
      status: response.status,
      requestId: requestIdOf(response.headers),
      code,
      contentType: type,
      snippet: text === "" ? undefined : redactSnippet(text),
    },
  );
}
