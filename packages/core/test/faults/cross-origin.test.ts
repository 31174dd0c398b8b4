// Issue 13, class 11: headers the caller set are treated like credentials across origins. A
// redirect to another origin, and a pre-signed URL, get no Authorization, Cookie,
// Proxy-Authorization or portal credential header, unless the caller keeps one by name.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../helpers.js";
import { testClient } from "../portal.js";
import { bytesOf, faultServer, serve } from "./fault-server.js";

let servers: TestServer[] = [];
let dir: string | undefined;
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
async function server(handler: Parameters<typeof faultServer>[0]) {
  const s = await faultServer(handler);
  servers.push(s);
  return s;
}

const file = { bytes: bytesOf(50_000, 5), etag: '"x1"' };
const callerHeaders = {
  Authorization: "Bearer caller-token",
  Cookie: "session=caller-cookie",
  "Proxy-Authorization": "Basic caller-proxy",
  "X-Api-Key": "caller-set-key",
  "X-Trace": "trace-1",
};
const SENSITIVE = ["authorization", "cookie", "proxy-authorization", "x-api-key"];

/** The other origin: records what it receives and answers with JSON or the file. */
async function otherOrigin() {
  return server((req, res) => {
    if (req.url?.startsWith("/file")) return serve(req, res, file);
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"id":"T1"}');
  });
}

describe("API calls redirected to another origin", () => {
  it("drop every credential header, ours and the caller's; other headers go on", async () => {
    const other = await otherOrigin();
    const portal = await server(
      (_req, res) => void res.writeHead(302, { location: `${other.url}/landing` }).end(),
    );
    const client = testClient(portal.url);
    await client.getThing({ path: { id: "T1" }, headers: callerHeaders });
    expect(portal.requests[0]!.headers["x-api-key"]).toBe("secret-key-123");
    const received = other.requests[0]!.headers;
    for (const name of SENSITIVE) expect(received[name], name).toBeUndefined();
    expect(received["x-trace"]).toBe("trace-1");
  });

  it("drop them for a call that carries no credential of ours too (fetch would keep X-Api-Key)", async () => {
    const other = await otherOrigin();
    const portal = await server(
      (_req, res) => void res.writeHead(307, { location: `${other.url}/landing` }).end(),
    );
    await testClient(portal.url).publicThing({ path: { id: "P1" }, headers: callerHeaders });
    const received = other.requests[0]!.headers;
    for (const name of SENSITIVE) expect(received[name], name).toBeUndefined();
    expect(received["x-trace"]).toBe("trace-1");
  });

  it("keep a header the caller names in crossOriginHeaders, but never the client's own credential", async () => {
    const other = await otherOrigin();
    const portal = await server(
      (_req, res) => void res.writeHead(302, { location: `${other.url}/landing` }).end(),
    );
    const client = testClient(portal.url, { crossOriginHeaders: ["Authorization", "X-Api-Key"] });
    await client.getThing({ path: { id: "T1" }, headers: { Authorization: "Bearer partner" } });
    const received = other.requests[0]!.headers;
    expect(received.authorization).toBe("Bearer partner");
    expect(received["x-api-key"]).toBeUndefined();
  });

  it("keep them on a redirect within the portal's origin", async () => {
    const portal = await server((req, res) => {
      if (req.url?.startsWith("/things")) return void res.writeHead(302, { location: "/landing" }).end();
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"id":"T1"}');
    });
    await testClient(portal.url).getThing({ path: { id: "T1" }, headers: { Cookie: "session=c" } });
    expect(portal.requests[1]!.headers.cookie).toBe("session=c");
    expect(portal.requests[1]!.headers["x-api-key"]).toBe("secret-key-123");
  });
});

describe("downloads", () => {
  it("send a pre-signed URL none of the caller's credential headers", async () => {
    dir = mkdtempSync(join(tmpdir(), "sciportals-xo-"));
    const storage = await otherOrigin();
    const portal = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ url: `${storage.url}/file?sig=abc` }));
    });
    const dest = join(dir, "a.bin");
    await testClient(portal.url).download("fileUrl", { path: { id: 1 }, headers: callerHeaders }, dest);
    expect(readFileSync(dest).equals(file.bytes)).toBe(true);
    const received = storage.requests[0]!.headers;
    for (const name of SENSITIVE) expect(received[name], name).toBeUndefined();
    expect(received["x-trace"]).toBe("trace-1");
  });

  it("drop them when the portal's own file URL redirects to another origin", async () => {
    dir = mkdtempSync(join(tmpdir(), "sciportals-xo-"));
    const storage = await otherOrigin();
    const portal = await server(
      (_req, res) => void res.writeHead(302, { location: `${storage.url}/file` }).end(),
    );
    const dest = join(dir, "b.bin");
    const { "X-Api-Key": _ours, ...rest } = callerHeaders;
    await testClient(portal.url).download("fileBytes", { path: { id: 1 }, headers: rest }, dest);
    expect(readFileSync(dest).equals(file.bytes)).toBe(true);
    expect(portal.requests[0]!.headers["x-api-key"]).toBe("secret-key-123");
    expect(portal.requests[0]!.headers.cookie).toBe("session=caller-cookie");
    const received = storage.requests[0]!.headers;
    for (const name of SENSITIVE) expect(received[name], name).toBeUndefined();
    expect(received["x-trace"]).toBe("trace-1");
  });
});
