import type { RequestOptions } from "node:http";
import type { FetchLike } from "../transport.js";
import { nodeBuiltins } from "../builtins.js";
import { proxyRoute, type ProxySetting } from "./proxy-env.js";
import { viaProxy } from "./proxy-tunnel.js";
import { processEnv } from "../env.js";

/** One request body, produced afresh for every attempt: the parts in order, and their total length. */
export interface StreamedBody {
  length: number;
  /** The body's parts; called once per attempt, so a retry reads the source again. */
  parts(): AsyncIterable<Uint8Array>;
}

/**
 * A `fetch` over `node:http` that streams a body of known length to the socket with
 * back-pressure, calling `onWritten` with the bytes the socket has taken so far in this attempt
 * (progress "as bytes are sent"). A connection cut while writing rejects with Node's own error
 * (ECONNRESET, EPIPE), which the transport reads to decide whether a retry is safe.
 */
export function nodeStreamSender(
  body: StreamedBody,
  onWritten: (bytes: number) => void,
  proxy?: ProxySetting,
): FetchLike {
  const { http, https } = nodeBuiltins("upload()");
  const route = proxyRoute(proxy, processEnv());
  return (request, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => (headers[name] = value));
      headers["content-length"] = String(body.length);
      const via = route?.(url);
      const routed: RequestOptions = via
        ? viaProxy(via, url, headers, init?.signal ?? undefined)
        : { headers };
      const transport = (routed.protocol ?? url.protocol) === "https:" ? https : http;
      const signal = init?.signal ?? undefined;
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
          const responseHeaders = new Headers();
          for (let i = 0; i < incoming.rawHeaders.length; i += 2)
            responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
          const status = incoming.statusCode ?? 0;
          resolve(
            new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), {
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
      outgoing.on("error", fail);
      void (async () => {
        let written = 0;
        for await (const part of body.parts()) {
          if (outgoing.destroyed) return;
          const drained = outgoing.write(part);
          written += part.length;
          onWritten(written);
          if (!drained)
            await new Promise<void>((done) => {
              const go = () => {
                outgoing.off("drain", go);
                outgoing.off("close", go);
                done();
              };
              outgoing.on("drain", go);
              outgoing.on("close", go);
            });
        }
        outgoing.end();
      })().catch((error: unknown) => {
        outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
        fail(error);
      });
    });
}
