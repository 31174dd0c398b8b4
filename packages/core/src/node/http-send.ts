import type { FetchLike } from "../transport.js";
import { nodeBuiltins } from "../builtins.js";
import { proxyRoute, type ProxySetting } from "./proxy-env.js";
import { sendOverNode } from "./node-request.js";
import { processEnv } from "../env.js";

/**
 * A `fetch` for one upload chunk over `node:http`: the body is written to the socket from the
 * caller's buffers, not copied into a WHATWG stream or Blob. `fetch` makes enough objects per
 * request that a thousand-chunk upload holds 30 MiB of garbage at a time; this makes a handful.
 * Credentials, retries and refreshes stay in the transport, which calls this once per attempt.
 */
export function nodeBodySender(parts: readonly Uint8Array[], proxy?: ProxySetting): FetchLike {
  const node = nodeBuiltins("upload()");
  const route = proxyRoute(proxy, processEnv());
  const length = parts.reduce((n, p) => n + p.length, 0);
  return (request, init) => {
    const withBody = request.method !== "GET" && request.method !== "HEAD";
    return sendOverNode(node, request, init, route, withBody ? length : undefined, (outgoing) => {
      if (withBody) for (const part of parts) outgoing.write(part);
      outgoing.end();
    });
  };
}
