import {
  createFinalURL,
  createQuerySerializer,
  defaultBodySerializer,
  defaultPathSerializer,
  mergeHeaders,
  type HeadersOptions,
  type Middleware,
  type MergedOptions,
  type ParseAs,
} from "openapi-fetch";
import { withMiddleware } from "./middleware.js";

/** What {@link Requester.request} resolves to: openapi-fetch's `{ data, error, response }`. */
export interface RequestResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * openapi-fetch's request pipeline without its `createClient`: the URL, headers and body built by
 * openapi-fetch's own exported serializers, the middleware run as openapi-fetch runs it, and the
 * body read as openapi-fetch reads it. It is all a client's path methods and named operations use
 * of openapi-fetch, and about 1 kB min+gz smaller than `createClient` (see tools/size/README.md).
 */
export interface Requester {
  /** Sends `method path` as openapi-fetch's `client.request()` does. */
  request(method: string, schemaPath: string, init?: Record<string, any>): Promise<RequestResult>;
  /** Registers middleware for every request, as openapi-fetch's `client.use()`. */
  use(...middleware: Middleware[]): void;
  /** Unregisters middleware, as openapi-fetch's `client.eject()`. */
  eject(...middleware: Middleware[]): void;
}

/** Creates a {@link Requester} for one base URL and the headers sent with every request. */
export function createRequester(clientOptions: { baseUrl: string; headers?: HeadersOptions }): Requester {
  const middlewares: Middleware[] = [];
  const baseHeaders = clientOptions.headers;

  async function request(method: string, schemaPath: string, init: Record<string, any> = {}) {
    const {
      baseUrl = clientOptions.baseUrl,
      fetch = globalThis.fetch,
      headers,
      params = {},
      parseAs = "json",
      querySerializer: query,
      bodySerializer = defaultBodySerializer,
      pathSerializer = defaultPathSerializer,
      body,
      middleware = [],
      ...rest
    } = init;
    const querySerializer = typeof query === "function" ? query : createQuerySerializer(query);
    // As openapi-fetch: the serializer sees every header; JSON is the lowest-priority Content-Type.
    const serializedBody =
      body === undefined
        ? undefined
        : (bodySerializer as (b: unknown, h: Headers) => unknown)(
            body,
            mergeHeaders(baseHeaders, headers, params.header),
          );
    const finalHeaders = mergeHeaders(
      serializedBody === undefined || serializedBody instanceof FormData
        ? {}
        : { "Content-Type": "application/json" },
      baseHeaders,
      headers,
      params.header,
    );
    const url = createFinalURL(schemaPath, {
      baseUrl: baseUrl.replace(/\/$/, ""),
      params,
      querySerializer,
      pathSerializer,
    });
    const requestInit = {
      redirect: "follow",
      ...rest,
      method: method.toUpperCase(),
      body: serializedBody,
      headers: finalHeaders,
    } as RequestInit;
    const all = [...middlewares, ...middleware];
    const send = (r: Request) => fetch(r) as Promise<Response>;
    const options = {
      baseUrl,
      fetch,
      parseAs,
      querySerializer,
      bodySerializer,
      pathSerializer,
    } as MergedOptions;
    let current = new Request(url, requestInit);
    const response = all.length
      ? await withMiddleware(
          all,
          { request: current, schemaPath, params, options },
          send,
          (r) => (current = r),
        )
      : await send(current);
    return readResult(response, current.method, parseAs);
  }

  return {
    request,
    use(...middleware) {
      for (const m of middleware) {
        if (!m) continue;
        if (typeof m !== "object" || !("onRequest" in m || "onResponse" in m || "onError" in m)) {
          throw new Error(
            "Middleware must be an object with one of `onRequest()`, `onResponse() or `onError()`",
          );
        }
        middlewares.push(m);
      }
    },
    eject(...middleware) {
      for (const m of middleware) {
        const i = middlewares.indexOf(m);
        if (i !== -1) middlewares.splice(i, 1);
      }
    },
  };
}

/** Reads a response as openapi-fetch does: no body for 204, HEAD or an empty body; error bodies as JSON when they parse. */
async function readResult(response: Response, method: string, parseAs: ParseAs): Promise<RequestResult> {
  const contentLength = response.headers.get("Content-Length");
  if (
    response.status === 204 ||
    method === "HEAD" ||
    (contentLength === "0" && !response.headers.get("Transfer-Encoding")?.includes("chunked"))
  ) {
    return response.ok ? { data: undefined, response } : { error: undefined, response };
  }
  if (response.ok) {
    if (parseAs === "stream") return { data: response.body, response };
    if (parseAs === "json" && !contentLength) {
      const raw = await response.text();
      return { data: raw ? JSON.parse(raw) : undefined, response };
    }
    return { data: await response[parseAs](), response };
  }
  let error: unknown = await response.text();
  try {
    error = JSON.parse(error as string);
  } catch {
    // not JSON: the text as is
  }
  return { error, response };
}
