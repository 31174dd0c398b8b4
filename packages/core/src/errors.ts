import { redactUrl } from "./redact.js";

/** Where an error happened: the operation, method and (redacted) URL of the request. */
export interface ErrorContext {
  /** The portal's display name, such as `STOmics`. */
  portal?: string | undefined;
  /** The operationId of the call, when it was a named operation. */
  operationId?: string | undefined;
  /** The HTTP method. */
  method?: string | undefined;
  /** The request URL. Credentials in its query string are redacted before it is stored. */
  url?: string | undefined;
}

/** Fields every {@link PortalError} carries besides its message. */
export interface PortalErrorInit extends ErrorContext {
  /** See {@link PortalError.status}. */
  status?: number | undefined;
  /** See {@link PortalError.code}. */
  code?: string | undefined;
  /** See {@link PortalError.details}. */
  details?: unknown;
  /** See {@link PortalError.requestId}. */
  requestId?: string | undefined;
  /** See {@link PortalError.retryAfterMs}. */
  retryAfterMs?: number | undefined;
  /** The underlying error, kept as the standard `cause`. */
  cause?: unknown;
}

/**
 * The base class of every error thrown by a sciportals client. Catch it to handle all of them;
 * catch a subclass to handle one kind. No credential ever appears in an error's message or fields.
 */
export class PortalError extends Error {
  /** The HTTP status, when the portal answered. */
  readonly status: number | undefined;
  /** A stable machine-readable code: the portal's own when it sent one, else one of ours. */
  readonly code: string;
  /** The portal's error body (parsed JSON or text), or details of a check that failed. */
  readonly details: unknown;
  /** The portal's request id (from `x-request-id` and similar headers), to quote to its support. */
  readonly requestId: string | undefined;
  /** How long the portal asked the client to wait before trying again, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The portal's display name, such as `STOmics`. */
  readonly portal: string | undefined;
  /** The operation that failed, when it was a named operation. */
  readonly operationId: string | undefined;
  /** The HTTP method of the request. */
  readonly method: string | undefined;
  /** The request URL, with credentials in its query string redacted. */
  readonly url: string | undefined;

  constructor(message: string, init: PortalErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code ?? "error";
    this.details = init.details;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.portal = init.portal;
    this.operationId = init.operationId;
    this.method = init.method;
    this.url = init.url === undefined ? undefined : redactUrl(init.url);
  }
}

/** The portal answered with an error status. Subclasses name the common statuses. */
export class ApiError extends PortalError {
  declare readonly status: number;
}
/** 400: the portal rejected the request as malformed. `details` holds its explanation. */
export class BadRequestError extends ApiError {}
/** 401: the credential is missing, wrong or expired (and a refresh, if any, did not help). */
export class AuthenticationError extends ApiError {}
/** 403: the credential is valid but may not do this. */
export class PermissionDeniedError extends ApiError {}
/** 404: no such resource. */
export class NotFoundError extends ApiError {}
/** 409: the request conflicts with the resource's current state. */
export class ConflictError extends ApiError {}
/** 422: the request was well formed but its values were rejected. */
export class UnprocessableEntityError extends ApiError {}
/** 429: too many requests. `retryAfterMs` says how long the portal asked to wait. */
export class RateLimitError extends ApiError {}
/** 5xx: the portal failed. */
export class ServerError extends ApiError {}

/** The request never got an answer: DNS, refused or reset connection, TLS. */
export class ConnectionError extends PortalError {}
/** No answer came within the timeout. */
export class TimeoutError extends ConnectionError {}
/** The caller aborted the request with its AbortSignal. */
export class AbortError extends PortalError {}

/** A call's input was rejected before anything was sent. */
export class ValidationError extends PortalError {}
/** The client is set up in a way that cannot work (such as credentials over plain http). */
export class ConfigurationError extends PortalError {}
/** An operation needs a credential the client was not given. The message says how to give it. */
export class MissingCredentialsError extends ConfigurationError {}
/** A transfer finished but its bytes are not what the server promised (length, range, checksum). */
export class TransferError extends PortalError {}

/**
 * The connection closed before the whole response body arrived: fewer bytes than
 * `Content-Length`, or chunked encoding cut short. Like a reset connection, it is retried for
 * idempotent calls. `status` is the status the response started with.
 */
export class ResponseTruncatedError extends ConnectionError {}

/** What {@link UnexpectedResponseError} adds to {@link PortalErrorInit}. */
export interface UnexpectedResponseInit extends PortalErrorInit {
  /** See {@link UnexpectedResponseError.contentType}. */
  contentType?: string | undefined;
  /** See {@link UnexpectedResponseError.snippet}. */
  snippet?: string | undefined;
}

/**
 * The portal answered, but not with what the operation declares: invalid JSON, an HTML page (a
 * login or proxy page) where JSON was expected, an empty body, or a page without its items.
 * `code` says which (`invalid_json`, `html_response`, `empty_body`, `invalid_page`).
 */
export class UnexpectedResponseError extends PortalError {
  /** The response's `Content-Type`, when it had one. */
  readonly contentType: string | undefined;
  /** The start of the body, whitespace collapsed, credentials redacted: enough to recognise it. */
  readonly snippet: string | undefined;
  constructor(message: string, init: UnexpectedResponseInit = {}) {
    super(message, init);
    this.contentType = init.contentType;
    this.snippet = init.snippet;
  }
}

/**
 * A paginated walk would never end or would repeat items: the portal handed back a cursor or
 * next link already seen, the same page twice, or ignored the page parameter. `details.repeated`
 * holds the repeated value.
 */
export class PaginationLoopError extends UnexpectedResponseError {}

const STATUS_CLASSES: Record<number, typeof ApiError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

const STATUS_CODES: Record<number, string> = {
  400: "bad_request",
  401: "authentication_failed",
  403: "permission_denied",
  404: "not_found",
  409: "conflict",
  422: "unprocessable_entity",
  429: "rate_limited",
};

// The names portals and their gateways use, most common first (API Gateway sends x-amzn-requestid,
// S3 x-amz-request-id, Azure request-id/x-ms-request-id).
const REQUEST_ID_HEADERS = [
  "x-request-id",
  "request-id",
  "x-amzn-requestid",
  "x-amz-request-id",
  "x-ms-request-id",
  "x-correlation-id",
  "x-trace-id",
];

/** Reads the portal's request id from the usual response headers. */
export function requestIdOf(headers: Headers): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value) return value;
  }
  return undefined;
}

/** What an error body says, whatever shape the portal gave it. */
export interface ErrorBodySummary {
  /** The portal's own error code, when the body has one. */
  code?: string | undefined;
  /** A one-line message, clipped to 300 characters. */
  message?: string | undefined;
}

const MAX_MESSAGE = 300;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE)}…` : flat;
}

function isFieldMap(value: Record<string, unknown>): boolean {
  const entries = Object.values(value);
  return (
    entries.length > 0 && entries.every((v) => Array.isArray(v) && v.every((m) => typeof m === "string"))
  );
}

/**
 * Summarises an error body in the shapes portals use: `{message}`, `{error: string}`,
 * `{error: {code, message}}`, `{detail: string}`, FastAPI's `{detail: [{loc, msg}]}`,
 * Django REST framework field maps `{field: [messages]}`, `{errors: [...]}`, text and HTML.
 */
export function summarizeErrorBody(body: unknown): ErrorBodySummary {
  if (body === undefined || body === null || body === "") return {};
  if (typeof body === "string") {
    if (/^\s*</.test(body)) {
      const title =
        /<title>([^<]*)<\/title>/i.exec(body)?.[1] ?? /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
      const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
      return { code, message: title ? clip(title) : "the portal answered with an HTML or XML page" };
    }
    return { message: clip(body) };
  }
  if (typeof body !== "object") return { message: String(body) };
  if (Array.isArray(body))
    return { message: clip(body.map((e) => summarizeErrorBody(e).message).join("; ")) };
  const record = body as Record<string, unknown>;
  const code = typeof record.code === "string" ? record.code : undefined;
  if (typeof record.message === "string") return { code, message: clip(record.message) };
  if (record.error !== undefined) {
    const inner = summarizeErrorBody(record.error);
    return { code: code ?? inner.code, message: inner.message };
  }
  if (typeof record.detail === "string") return { code, message: clip(record.detail) };
  if (Array.isArray(record.detail)) {
    const parts = record.detail.map((d) => {
      if (d && typeof d === "object") {
        const item = d as { loc?: unknown; msg?: unknown };
        const loc = Array.isArray(item.loc) ? item.loc.join(".") : undefined;
        return loc ? `${loc}: ${String(item.msg)}` : String(item.msg);
      }
      return String(d);
    });
    return { code, message: clip(parts.join("; ")) };
  }
  if (Array.isArray(record.errors)) return { code, message: summarizeErrorBody(record.errors).message };
  if (isFieldMap(record)) {
    const parts = Object.entries(record).map(([field, msgs]) => `${field}: ${(msgs as string[]).join(" ")}`);
    return { code, message: clip(parts.join("; ")) };
  }
  return { code };
}

/** Builds the typed error for a portal's error response. */
export function errorFromResponse(
  response: Response,
  body: unknown,
  context: ErrorContext & { retryAfterMs?: number | undefined },
): ApiError {
  const status = response.status;
  const summary = summarizeErrorBody(body);
  const Class = STATUS_CLASSES[status] ?? (status >= 500 ? ServerError : ApiError);
  const statusText = response.statusText ? ` ${response.statusText}` : "";
  const what = context.operationId ?? `${context.method ?? "request"} ${pathOf(context.url)}`;
  const requestId = requestIdOf(response.headers);
  let message = `${context.portal ? `${context.portal}: ` : ""}${what} failed with ${status}${statusText}`;
  if (summary.message) message += `: ${summary.message}`;
  if (Class === RateLimitError && context.retryAfterMs !== undefined) {
    message += ` (retry after ${Math.ceil(context.retryAfterMs / 1000)} s)`;
  }
  if (Class === AuthenticationError) message += ". Check that the credential is valid and not expired.";
  if (requestId) message += ` [request id ${requestId}]`;
  return new Class(message, {
    ...context,
    status,
    code: summary.code ?? STATUS_CODES[status] ?? (status >= 500 ? "server_error" : "http_error"),
    details: body,
    requestId,
  });
}

function pathOf(url: string | undefined): string {
  if (!url) return "";
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
