import type { FetchLike } from "../transport.js";
import { processEnv } from "../env.js";
import { proxyRoute, type ProxySetting } from "./proxy-env.js";
import { runtimeProxyInit } from "./runtime-proxy.js";

/**
 * A `fetch` that sends each request through the proxy `proxy-env.ts` chooses for its URL (the
 * `proxy` setting, else `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` minus `NO_PROXY`, as curl reads
 * them) and directly otherwise. Node's own `fetch` ignores those variables; undici's
 * `ProxyAgent`, passed as the `dispatcher`, tunnels https with `CONNECT` and asks for http URLs
 * by absolute URI, sending `Proxy-Authorization` from the proxy URL's user name and password
 * (in Bun and Deno, their own `fetch` options do the same: `runtime-proxy.ts`).
 * Without any proxy setting it is the global `fetch`, and undici is not loaded.
 *
 * @param proxy - A proxy URL for every request, `false` for none, or unset to read the environment.
 * @param onCredential - Told the proxy's user name and password, so that a client can scrub them.
 */
export async function createProxyFetch(
  proxy?: ProxySetting,
  onCredential?: (secret: string) => void,
): Promise<FetchLike> {
  const route = proxyRoute(proxy, processEnv(), onCredential);
  // Read at each call: tests and test servers replace the global fetch after a client exists.
  if (!route) return (request, init) => globalThis.fetch(request, init);
  const proxyInit = await runtimeProxyInit();
  // One agent (or client) per proxy, reused by every request that goes through it.
  const byProxy = new Map<string, Record<string, unknown>>();
  return (request, init) => {
    const via = route(new URL(request.url));
    if (!via) return globalThis.fetch(request, init);
    let extra = byProxy.get(via.href);
    if (!extra) {
      extra = proxyInit(via);
      byProxy.set(via.href, extra);
    }
    return globalThis.fetch(request, { ...init, ...extra } as RequestInit);
  };
}
