import type { FetchLike } from "../transport.js";
import { proxyRoute, type ProxySetting } from "./proxy-env.js";

type Undici = typeof import("undici");
type Agent = InstanceType<Undici["ProxyAgent"]>;

// Loaded by a name bundlers do not follow: undici is Node-only and large, and browsers never
// reach this module, but a bundler would otherwise pack undici into any app that imports core.
const UNDICI = "undici";

/**
 * A `fetch` that sends each request through the proxy `proxy-env.ts` chooses for its URL (the
 * `proxy` setting, else `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` minus `NO_PROXY`, as curl reads
 * them) and directly otherwise. Node's own `fetch` ignores those variables; undici's
 * `ProxyAgent`, passed as the `dispatcher`, tunnels https with `CONNECT` and asks for http URLs
 * by absolute URI, sending `Proxy-Authorization` from the proxy URL's user name and password.
 * Without any proxy setting it is the global `fetch`, and undici is not loaded.
 *
 * @param proxy - A proxy URL for every request, `false` for none, or unset to read the environment.
 * @param onCredential - Told the proxy's user name and password, so that a client can scrub them.
 */
export async function createProxyFetch(
  proxy?: ProxySetting,
  onCredential?: (secret: string) => void,
): Promise<FetchLike> {
  const route = proxyRoute(proxy, process.env, onCredential);
  // Read at each call: tests and test servers replace the global fetch after a client exists.
  if (!route) return (request, init) => globalThis.fetch(request, init);
  const { ProxyAgent } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ UNDICI)) as Undici;
  const agents = new Map<string, Agent>();
  return (request, init) => {
    const via = route(new URL(request.url));
    if (!via) return globalThis.fetch(request, init);
    let agent = agents.get(via.href);
    if (!agent) {
      // proxyTunnel false: http URLs go by absolute URI, as curl sends them (proxies often allow
      // CONNECT to port 443 only); https always tunnels.
      agent = new ProxyAgent({ uri: via.href, proxyTunnel: false });
      agents.set(via.href, agent);
    }
    return globalThis.fetch(request, { ...init, dispatcher: agent } as RequestInit);
  };
}
