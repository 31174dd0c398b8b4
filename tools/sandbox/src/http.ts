import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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

/** Starts a server on 127.0.0.1 (an ephemeral port unless given) and returns its URL. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
  host = "127.0.0.1",
): Promise<Listening> {
  const server = createServer(handler);
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
