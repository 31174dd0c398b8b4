import { processEnv } from "./env.js";
import { ConfigurationError } from "./errors.js";
import type { SecretRegistry } from "./secrets.js";
import type { FetchLike } from "./transport.js";

// The Node entry, by a name bundlers do not follow, so that the proxy code (and undici) stays
// out of browser bundles. Node resolves a package's own name through its `exports`.
const NODE_ENTRY = "@sciportals/core/node";

// By name, not by listing the environment: Deno lets a script read single variables it was granted.
const PROXY_VARIABLES = ["https_proxy", "http_proxy", "all_proxy"].flatMap((name) => [
  name,
  name.toUpperCase(),
]);

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
  // No process (a browser): nothing to read and no Node entry to load.
  if (proxy === false || !(globalThis as { process?: { env?: unknown } }).process?.env) return undefined;
  const env = processEnv();
  if (!proxy && !PROXY_VARIABLES.some((name) => env[name] !== undefined)) return undefined;
  let ready: Promise<FetchLike> | undefined;
  return (request, init) =>
    (ready ??= (
      import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_ENTRY) as Promise<typeof import("./node.js")>
    ).then(
      (node) => node.createProxyFetch(proxy, (secret) => secrets.add(secret)),
      // Not a network failure: Deno, for one, loads a module named at run time only with read access.
      (error: unknown) => {
        throw new ConfigurationError(
          `proxies need ${NODE_ENTRY}, which could not be loaded here (${(error as Error)?.message})`,
          { code: "unsupported_environment", cause: error },
        );
      },
    )).then((send) => send(request, init));
}
