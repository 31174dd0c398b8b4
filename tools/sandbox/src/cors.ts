/**
 * CORS for every sandbox server, as a portal must answer for a browser app on another origin to
 * call it: preflights (OPTIONS with Access-Control-Request-Method) get the methods and the request
 * headers the clients send; answers get the headers clients read exposed. Only origins the sandbox
 * is told to allow are answered, by name (never `*`: calls carry credentials, and Flow's refresh
 * cookie needs `credentials: "include"`, which browsers refuse with a wildcard).
 *
 * Off unless configured (the `cors` option of each sandbox, or `SANDBOX_CORS_ORIGINS`): the real
 * portals' CORS rules are not documented anywhere we found, so by default the sandboxes answer
 * as a server without CORS does, and a browser test proves what a portal must add.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Which browser origins may call a sandbox. */
export interface CorsOptions {
  /**
   * Origins allowed to call, exactly as browsers send them (`http://127.0.0.1:5173`); `"*"` in the
   * list allows any origin (echoed back by name, as credentials require).
   */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. Default 600. */
  maxAgeSeconds?: number;
}

/** The environment variable the sandboxes read when no `cors` option is given: comma-separated origins. */
export const CORS_ORIGINS_ENV = "SANDBOX_CORS_ORIGINS";

/** Methods the generated clients use. */
export const CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * Request headers the clients send beyond the CORS-safelisted ones: credentials (Authorization,
 * ODM's Genestack-API-Token), JSON bodies, ranged and conditional downloads, and tracing ids.
 */
export const CORS_REQUEST_HEADERS = [
  "authorization",
  "genestack-api-token",
  "content-type",
  "accept",
  "range",
  "if-range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "x-request-id",
  "traceparent",
  "tracestate",
] as const;

/**
 * Response headers the clients read, beyond the safelisted ones (Content-Type and a few others),
 * which a browser hides from a cross-origin caller unless exposed: waits, ranges and versions of
 * downloads, sizes, request ids for support, redirects.
 */
export const CORS_EXPOSED_HEADERS = [
  "retry-after",
  "retry-after-ms",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "content-range",
  "content-length",
  "content-disposition",
  "accept-ranges",
  "etag",
  "last-modified",
  "location",
  "www-authenticate",
  "x-request-id",
  "request-id",
  "x-amzn-requestid",
  "x-amz-request-id",
  "x-ms-request-id",
] as const;

/** The CORS settings in effect: the option when given, else `SANDBOX_CORS_ORIGINS`, else none. */
export function corsFrom(
  option: CorsOptions | false | undefined,
  env: Record<string, string | undefined> = process.env,
): CorsOptions | undefined {
  if (option === false) return undefined;
  if (option) return option;
  const origins = (env[CORS_ORIGINS_ENV] ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  return origins.length > 0 ? { origins } : undefined;
}

function allowedOrigin(cors: CorsOptions, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  return cors.origins.includes("*") || cors.origins.includes(origin) ? origin : undefined;
}

/**
 * Applies CORS to one request. A preflight is answered here (204 when the origin, method and
 * headers are allowed; 403 without CORS headers otherwise, so the browser refuses the call) and
 * true is returned. Any other request from an allowed origin gets its CORS headers set for the
 * server's answer, and false is returned.
 */
export function applyCors(cors: CorsOptions | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  if (!cors) return false;
  const origin = allowedOrigin(cors, req.headers.origin);
  const requestedMethod = req.headers["access-control-request-method"];
  const isPreflight = req.method === "OPTIONS" && req.headers.origin !== undefined && !!requestedMethod;
  res.setHeader("vary", "Origin");
  if (isPreflight) {
    const requestedHeaders = (req.headers["access-control-request-headers"] ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const allowed =
      origin !== undefined &&
      (CORS_METHODS as readonly string[]).includes(requestedMethod.toUpperCase()) &&
      requestedHeaders.every((h) => (CORS_REQUEST_HEADERS as readonly string[]).includes(h));
    res.setHeader("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    if (!allowed) {
      res.writeHead(403, { "content-length": 0 }).end();
      req.resume();
      return true;
    }
    res
      .writeHead(204, {
        "access-control-allow-origin": origin,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": CORS_METHODS.join(", "),
        "access-control-allow-headers": CORS_REQUEST_HEADERS.join(", "),
        "access-control-max-age": String(cors.maxAgeSeconds ?? 600),
        "content-length": 0,
      })
      .end();
    req.resume();
    return true;
  }
  if (origin !== undefined) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
    res.setHeader("access-control-expose-headers", CORS_EXPOSED_HEADERS.join(", "));
  }
  return false;
}
