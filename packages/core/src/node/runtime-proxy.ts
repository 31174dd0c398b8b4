type Undici = typeof import("undici");

interface DenoHttp {
  createHttpClient(options: { proxy: { url: string; basicAuth?: { username: string; password: string } } }): {
    close(): void;
  };
}

/** Extra `fetch` options that send one request through a proxy, in the runtime at hand. */
export type ProxyInit = (proxy: URL) => Record<string, unknown>;

// Loaded by a name bundlers do not follow: undici is Node-only and large, and browsers never
// reach this module, but a bundler would otherwise pack undici into any app that imports core.
const UNDICI = "undici";

/**
 * How this runtime's global `fetch` is told to use a proxy. Node's `fetch` is undici's and takes
 * a `dispatcher` (an undici `ProxyAgent`); Bun's and Deno's ignore a `dispatcher`, so requests
 * would go around the proxy unnoticed: Bun's takes a `proxy` URL, Deno's a `client` from
 * `Deno.createHttpClient`. Either way https tunnels with CONNECT, http goes by absolute URI, and
 * the proxy URL's user name and password become `Proxy-Authorization`.
 */
export async function runtimeProxyInit(): Promise<ProxyInit> {
  const runtime = globalThis as { Bun?: unknown; Deno?: Partial<DenoHttp> };
  if (runtime.Bun) return (proxy) => ({ proxy: proxy.href });
  const deno = runtime.Deno;
  if (typeof deno?.createHttpClient === "function") {
    const create = deno.createHttpClient.bind(deno);
    return (proxy) => {
      const url = new URL(proxy.href);
      const basicAuth = url.username
        ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
        : undefined;
      url.username = "";
      url.password = "";
      return { client: create({ proxy: { url: url.href, ...(basicAuth && { basicAuth }) } }) };
    };
  }
  const { ProxyAgent } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ UNDICI)) as Undici;
  // proxyTunnel false: http URLs go by absolute URI, as curl sends them (proxies often allow
  // CONNECT to port 443 only); https always tunnels.
  return (proxy) => ({ dispatcher: new ProxyAgent({ uri: proxy.href, proxyTunnel: false }) });
}
