import type { SecretRegistry } from "./secrets.js";
import type { FetchLike } from "./transport.js";

// The Node entry, by a name bundlers do not follow, so that the proxy code (and undici) stays
// out of browser bundles. Node resolves a package's own name through its `exports`.
const NODE_ENTRY = "@sciportals/core/node";

/**
 * The `fetch` a client sends API calls with when the user gave none: in Node with a `proxy`
 * option or a proxy variable set, one that honours them (`node/proxy-fetch.ts`, loaded on the
 * first call); otherwise `undefined`, and the transport uses the global `fetch` with nothing
 * loaded and nothing added per call. Kept this small because every browser bundle carries it.
 */
export function proxyAwareFetch(
  proxy: string | false | undefined,
  secrets: SecretRegistry,
): FetchLike | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (
    proxy === false ||
    !env ||
    !(proxy || Object.keys(env).some((name) => /^(https?|all)_proxy$/i.test(name)))
  )
    return undefined;
  let ready: Promise<FetchLike> | undefined;
  return (request, init) =>
    (ready ??= (
      import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_ENTRY) as Promise<typeof import("./node.js")>
    ).then((node) => node.createProxyFetch(proxy, (secret) => secrets.add(secret)))).then((send) =>
      send(request, init),
    );
}
