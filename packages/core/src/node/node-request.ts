import type { ClientRequest, RequestOptions } from "node:http";
import type { nodeBuiltins } from "../builtins.js";
import type { ProxyRoute } from "./proxy-env.js";
import { viaProxy } from "./proxy-tunnel.js";

/**
 * Sends `request` over `node`'s `http`/`https` (through the proxy `route` picks for its URL), with its
 * headers, a `content-length` when `length` is given, and `init.signal` aborting it; `writeBody`
 * writes the body to the socket and ends it (calling `fail` if it cannot). Resolves with the
 * whole response, buffered: what the upload senders (`http-send.ts`, `stream-send.ts`) share.
 */
export function sendOverNode(
  node: Pick<ReturnType<typeof nodeBuiltins>, "http" | "https">,
  request: Request,
  init: RequestInit | undefined,
  route: ProxyRoute | undefined,
  length: number | undefined,
  writeBody: (outgoing: ClientRequest, fail: (error: unknown) => void) => void,
): Promise<Response> {
  const { http, https } = node;
  return new Promise<Response>((resolve, reject) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    if (length !== undefined) headers["content-length"] = String(length);
    const signal = init?.signal ?? undefined;
    const via = route?.(url);
    const routed: RequestOptions = via ? viaProxy(via, url, headers, signal) : { headers };
    const transport = (routed.protocol ?? url.protocol) === "https:" ? https : http;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const outgoing = transport.request(url, { ...routed, method: request.method }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("error", fail);
      incoming.on("end", () => {
        if (settled) return;
        settled = true;
        const status = incoming.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (let i = 0; i < incoming.rawHeaders.length; i += 2)
          responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
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
    outgoing.on("error", fail);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    outgoing.on("close", () => signal?.removeEventListener("abort", onAbort));
    writeBody(outgoing, fail);
  });
}
