import type { MergedOptions, Middleware } from "openapi-fetch";

/** What every middleware callback of one request sees besides the request. */
interface MiddlewareContext {
  request: Request;
  schemaPath: string;
  params: Record<string, unknown>;
  options: MergedOptions;
}

/**
 * Sends a request through openapi-fetch middleware with openapi-fetch's rules: `onRequest` in
 * order (a Request replaces the request, a Response answers it without sending), then `onError`
 * (when sending throws) and `onResponse` in reverse order. `replaced` learns the request as sent.
 * Reached only when a client has middleware, so a plain call pays one length check.
 */
export async function withMiddleware(
  middlewares: readonly Middleware[],
  context: MiddlewareContext,
  send: (request: Request) => Promise<Response>,
  replaced: (request: Request) => void,
): Promise<Response> {
  const base = {
    ...context,
    id: Math.random().toString(36).slice(2, 11),
    options: Object.freeze(context.options),
  };
  let request = context.request;
  let response: Response | undefined;
  for (const m of middlewares) {
    const result = await m.onRequest?.({ ...base, request });
    if (!result) continue;
    if (result instanceof Request) replaced((request = result));
    else if (result instanceof Response) {
      response = result;
      break;
    } else throw new Error("onRequest: must return new Request() or Response() when modifying the request");
  }
  if (response) return response;
  try {
    response = await send(request);
  } catch (error) {
    let failure: unknown = error;
    for (let i = middlewares.length - 1; i >= 0; i--) {
      const result = await middlewares[i]!.onError?.({ ...base, request, error: failure });
      if (!result) continue;
      if (result instanceof Response) {
        failure = undefined;
        response = result;
        break;
      }
      if (result instanceof Error) {
        failure = result;
        continue;
      }
      throw new Error("onError: must return new Response() or instance of Error");
    }
    if (failure) throw failure;
  }
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const result = await middlewares[i]!.onResponse?.({ ...base, request, response: response! });
    if (!result) continue;
    if (!(result instanceof Response)) {
      throw new Error("onResponse: must return new Response() when modifying the response");
    }
    response = result;
  }
  return response!;
}
