const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** True for `localhost`, `127.0.0.0/8` and `::1`: traffic that never leaves the machine. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

/** True when credentials may travel to `url` at all: over https, or to a loopback address. */
export function isSecureForCredentials(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url));
}

/**
 * True when a request to `target` may carry the client's credentials: it goes to the client's
 * own origin (scheme, host and port) over https or loopback. Pre-signed URLs, other hosts and
 * cross-origin redirects get none.
 */
export function mayCarryCredentials(target: URL, origin: string): boolean {
  return target.origin === origin && isSecureForCredentials(target);
}
