import type { FetchLike } from "../transport.js";
import { nodeBuiltins } from "../builtins.js";
import { proxyRoute, type ProxySetting } from "./proxy-env.js";
import { sendOverNode } from "./node-request.js";
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
  const node = nodeBuiltins("upload()");
  const route = proxyRoute(proxy, processEnv());
  return (request, init) =>
    sendOverNode(node, request, init, route, body.length, (outgoing, fail) => {
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
