import type { RequestOptions } from "node:http";
import type { FetchLike } from "../transport.js";
import { nodeBuiltins } from "../builtins.js";
import { proxyRoute, type ProxySetting } from "./proxy-env.js";
import { viaProxy } from "./proxy-tunnel.js";
import { processEnv } from "../env.js";

/**
 * A `fetch` for one upload chunk over `node:http`: the body is written to the socket from the
 * caller's buffers, not copied into a WHATWG stream or Blob. `fetch` makes enough objects per
 * request that a thousand-chunk upload holds 30 MiB of garbage at a time; this makes a handful.
 * Credentials, retries and refreshes stay in the transport, which calls this once per attempt.
 */
export function nodeBodySender(parts: readonly Uint8Array[], proxy?: ProxySetting): FetchLike {
  const { http, https } = nodeBuiltins("upload()");
  const route = proxyRoute(proxy, processEnv());
  const length = parts.reduce((n, p) => n + p.length, 0);
  return (request, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(request.url);
      const withBody = request.method !== "GET" && request.method !== "HEAD";
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => (headers[name] = value));
      if (withBody) headers["content-length"] = String(length);
      const via = route?.(url);
      const routed: RequestOptions = via
        ? viaProxy(via, url, headers, init?.signal ?? undefined)
        : { headers };
      const transport = (routed.protocol ?? url.protocol) === "https:" ? https : http;
      const signal = init?.signal ?? undefined;
      const outgoing = transport.request(url, { ...routed, method: request.method }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => {
          const status = incoming.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
            responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
          }
          const empty = status === 204 || status === 304 || request.method === "HEAD";
          resolve(
            new Response(empty ? null : Buffer.concat(chunks), {
              status,
              statusText: incoming.statusMessage ?? "",
              headers: responseHeaders,
            }),
          );
        });
      });
      const onAbort = () =>
        outgoing.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      outgoing.on("close", () => signal?.removeEventListener("abort", onAbort));
      outgoing.on("error", reject);
      if (withBody) for (const part of parts) outgoing.write(part);
      outgoing.end();
    });
}
