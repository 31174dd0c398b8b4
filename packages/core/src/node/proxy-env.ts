import { ConfigurationError } from "../errors.js";

/**
 * Which proxy a request goes through, decided the way curl decides it, so that sciportals
 * behaves on an HPC login node or a hospital network like the researcher's other tools.
 * One decision serves API calls (undici), downloads and uploads (node:http), so that the three
 * never disagree about a host.
 */

/** A client's `proxy` option: a proxy URL for every request, `false` for none, unset for the environment. */
export type ProxySetting = string | false | undefined;

/** The proxy for one target URL, or `undefined` to connect directly. */
export type ProxyRoute = (target: URL) => URL | undefined;

/** Variables the decision reads, as `process.env` holds them. */
export type ProxyEnv = Record<string, string | undefined>;

/**
 * The route for a setting and an environment, or `undefined` when no request would use a proxy
 * (so that callers keep their direct path and load nothing). `onCredential` is told the user name
 * and password of every proxy URL it reads, for the client's secret registry.
 *
 * Precedence, as curl documents it: the explicit setting, then `https_proxy`/`HTTPS_PROXY` for
 * https URLs and `http_proxy`/`HTTP_PROXY` for http URLs (the lower-case form first), then
 * `all_proxy`/`ALL_PROXY`. curl reads only the lower-case `http_proxy` (a CGI script would see a
 * client's `Proxy:` header as `HTTP_PROXY`); we accept the upper case too, as pip, requests and
 * R do, because batch schedulers and module files set it. `no_proxy`/`NO_PROXY` applies to the
 * explicit setting as well, as in curl.
 */
export function proxyRoute(
  setting: ProxySetting,
  env: ProxyEnv,
  onCredential?: (secret: string) => void,
): ProxyRoute | undefined {
  if (setting === false) return undefined;
  const read = (value: string | undefined, source: string): URL | undefined => {
    if (value === undefined || value.trim() === "") return undefined;
    const url = parseProxy(value.trim(), source);
    if (onCredential) {
      if (url.username) onCredential(decodeURIComponent(url.username));
      if (url.password) onCredential(decodeURIComponent(url.password));
      const header = proxyAuthorization(url);
      if (header) onCredential(header.slice("Basic ".length));
    }
    return url;
  };
  const pick = (lower: string) => read(env[lower] ?? env[lower.toUpperCase()], lower);
  const explicit = read(setting, "the proxy option");
  const all = explicit ?? pick("all_proxy");
  const https = explicit ?? pick("https_proxy") ?? all;
  const http = explicit ?? pick("http_proxy") ?? all;
  if (!https && !http) return undefined;
  const bypass = noProxyMatcher(env.no_proxy ?? env.NO_PROXY ?? "");
  return (target) => {
    const proxy = target.protocol === "https:" ? https : target.protocol === "http:" ? http : undefined;
    return proxy && !bypass(target) ? proxy : undefined;
  };
}

/** A proxy URL as curl reads it: `host:port` means `http://host:port`. Only http(s) proxies. */
function parseProxy(value: string, source: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    // The value may hold a password: say where it came from, never what it is.
    throw new ConfigurationError(
      `${source} is not an http:// or https:// proxy URL (SOCKS proxies are not supported)`,
      { code: "invalid_proxy" },
    );
  }
  return url;
}

/**
 * curl's `NO_PROXY` rules: a comma- (or space-) separated list; `*` alone matches every host; a
 * name matches itself and its subdomains, with or without a leading dot (`.example.org` and
 * `example.org` both match `a.example.org`); `host:port` matches that port only; IP addresses
 * match exactly. Loopback is not special: `localhost` goes through the proxy unless listed.
 */
export function noProxyMatcher(list: string): (target: URL) => boolean {
  const entries = list
    .split(/[,\s]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== "");
  if (entries.includes("*")) return () => true;
  const rules = entries.map((entry) => {
    // "[::1]:8080", "[::1]", "host:8080"; a bare IPv6 address has more than one colon.
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const hostPort = /^([^:]+):(\d+)$/.exec(entry);
    const [name, port] = bracketed
      ? [bracketed[1]!, bracketed[2]]
      : hostPort
        ? [hostPort[1]!, hostPort[2]]
        : [entry, undefined];
    return { name: name.replace(/^\*?\./, "").replace(/\.$/, ""), port };
  });
  return (target) => {
    const host = target.hostname
      .toLowerCase()
      .replace(/^\[|\]$/g, "")
      .replace(/\.$/, "");
    const port = target.port || (target.protocol === "https:" ? "443" : "80");
    return rules.some(
      (rule) =>
        (rule.port === undefined || rule.port === port) &&
        (host === rule.name || host.endsWith(`.${rule.name}`)),
    );
  };
}

/** A proxy as errors may show it: scheme, host and port, never its user name or password. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/** The `Proxy-Authorization` header value for a proxy URL with a user name, else undefined. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const pair = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(pair).toString("base64")}`;
}
