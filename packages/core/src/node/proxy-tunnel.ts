import type { RequestOptions } from "node:http";
import type { Socket } from "node:net";
import { nodeBuiltins } from "../builtins.js";
import { describeProxy, proxyAuthorization } from "./proxy-env.js";

/**
 * Proxying for the transfers that run on `node:http` sockets (downloads, uploads), the way curl
 * does it: an https target through a `CONNECT` tunnel (TLS runs end to end inside it, so the
 * proxy sees only the host name), an http target as an absolute-URI request to the proxy
 * (institutional proxies commonly allow `CONNECT` to port 443 only). Written here rather than
 * routed through undici: the transfer paths exist to write from and read into our own buffers,
 * and a tunnel is one request line and one status line.
 */

/** The proxy refused the tunnel or answered it with something other than a 2xx. */
export class ProxyTunnelError extends Error {
  /** The proxy's status code (407: it wants credentials), when it answered. */
  readonly proxyStatus: number | undefined;
  constructor(message: string, proxyStatus?: number) {
    super(message);
    this.name = "ProxyTunnelError";
    this.proxyStatus = proxyStatus;
  }
}

const MAX_CONNECT_HEAD = 16 * 1024;

/**
 * Opens a `CONNECT` tunnel to `target`'s host and port through `proxy` and resolves with the
 * socket, ready for TLS. Bytes the proxy sent after its answer (none, for a well-behaved proxy)
 * are put back into the socket.
 */
export function openTunnel(
  proxy: URL,
  target: URL,
  signal?: AbortSignal,
  idleTimeoutMs?: number,
): Promise<Socket> {
  const { net, tls } = nodeBuiltins("a proxied transfer");
  const authority = `${target.hostname}:${target.port || (target.protocol === "https:" ? "443" : "80")}`;
  const options = {
    host: proxy.hostname.replace(/^\[|\]$/g, ""),
    port: Number(proxy.port) || defaultPort(proxy),
  };
  const socket: Socket =
    proxy.protocol === "https:"
      ? tls.connect({ ...options, servername: proxy.hostname })
      : net.connect(options);
  return new Promise<Socket>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const done = (error?: Error) => {
      socket.off("data", onData);
      socket.off("error", done);
      socket.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
      if (error) {
        socket.destroy();
        reject(error);
      }
    };
    const onClose = () =>
      done(
        new ProxyTunnelError(
          `the proxy ${describeProxy(proxy)} closed the connection before answering CONNECT`,
        ),
      );
    const onAbort = () => done(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) {
        if (received.length > MAX_CONNECT_HEAD)
          done(new ProxyTunnelError(`the proxy ${describeProxy(proxy)} sent an oversized answer to CONNECT`));
        return;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(received.toString("latin1", 0, end))?.[1]);
      if (!(status >= 200 && status < 300)) {
        return done(
          new ProxyTunnelError(
            `the proxy ${describeProxy(proxy)} refused a tunnel to ${authority} (${status || "no HTTP status"})` +
              (status === 407 ? ": it asks for credentials (user:password@ in the proxy URL)" : ""),
            status || undefined,
          ),
        );
      }
      done();
      socket.setTimeout(0);
      const rest = received.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    if (signal?.aborted) return onAbort();
    // A proxy that never answers must not hang a transfer whose own timers start after the tunnel.
    if (idleTimeoutMs)
      socket.setTimeout(idleTimeoutMs, () =>
        done(new ProxyTunnelError(`the proxy ${describeProxy(proxy)} did not answer CONNECT in time`)),
      );
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.on("data", onData);
    socket.on("error", done);
    socket.on("close", onClose);
    const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
    const auth = proxyAuthorization(proxy);
    if (auth) lines.push(`Proxy-Authorization: ${auth}`);
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  });
}

/**
 * What a `node:http` request to `url` needs to go through `proxy`: for https, a connection
 * factory that opens the tunnel and starts TLS inside it; for http, the proxy's address and the
 * absolute URI as the path. Spread over the request's options (they override the URL's); send
 * with `node:https` when the result's `protocol` (or else the URL's) is `https:`.
 */
export function viaProxy(
  proxy: URL,
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
): RequestOptions {
  if (url.protocol === "https:") {
    const { tls } = nodeBuiltins("a proxied transfer");
    const servername = /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname;
    return {
      protocol: "https:",
      headers,
      // node:http calls this instead of an agent; the callback form lets the tunnel open first.
      createConnection: ((_: unknown, ready: (error: Error | null, socket?: Socket) => void) => {
        openTunnel(proxy, url, signal).then(
          (socket) => ready(null, tls.connect({ socket, servername, ALPNProtocols: ["http/1.1"] })),
          (error: Error) => ready(error),
        );
        return undefined;
      }) as unknown as RequestOptions["createConnection"],
    };
  }
  const auth = proxyAuthorization(proxy);
  return {
    host: proxy.hostname.replace(/^\[|\]$/g, ""),
    port: Number(proxy.port) || defaultPort(proxy),
    path: url.href,
    protocol: proxy.protocol,
    headers: { ...headers, host: url.host, ...(auth ? { "proxy-authorization": auth } : {}) },
  };
}

function defaultPort(proxy: URL): number {
  return proxy.protocol === "https:" ? 443 : 80;
}
