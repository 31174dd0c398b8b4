import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { applyCors, corsFrom, type CorsOptions } from "./cors.js";

/** A request as the sandbox records it, for tests to assert on. Credentials are never stored. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  /** Lower-cased header names that were present. */
  headerNames: string[];
  hasAuthorization: boolean;
  status?: number;
  /** Body bytes sent in the response (downloads). */
  bytesSent: number;
  /** The Range header, when one was sent. */
  range?: string;
}

export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Where a sandbox server listens, and which browser origins it answers with CORS. */
export interface ListenOptions {
  /** 0 (default) picks a free port. */
  port?: number | undefined;
  /** Browser origins answered with CORS (./cors.ts); default `SANDBOX_CORS_ORIGINS`, else none. */
  cors?: CorsOptions | false | undefined;
}

/**
 * Starts a server on 127.0.0.1 (an ephemeral port unless given) and returns its URL. Allowed
 * browser origins (`cors`) get their CORS answers before `handler` sees the request.
 */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  at: number | ListenOptions = 0,
  host = "127.0.0.1",
): Promise<Listening> {
  const { port = 0, cors } = typeof at === "number" ? { port: at } : at;
  const policy = corsFrom(cors);
  const server = createServer(
    policy ? (req, res) => void (applyCors(policy, req, res) || handler(req, res)) : handler,
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host}:${address.port}`;
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function record(req: IncomingMessage, url: URL): RecordedRequest {
  const entry: RecordedRequest = {
    method: req.method ?? "GET",
    path: url.pathname,
    query: url.search,
    headerNames: Object.keys(req.headers),
    hasAuthorization: req.headers.authorization !== undefined,
    bytesSent: 0,
  };
  if (req.headers.range) entry.range = req.headers.range;
  return entry;
}
