// Issue 13, class 6: the time limit covers the whole response. A body that stalls after the
// headers is a TimeoutError within the limit, retried when the call is idempotent; a body cut
// short is retried like a reset. Downloads: the idle limit, and an optional limit per attempt.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, TimeoutError } from "../../src/index.js";
import { downloadToFile } from "../../src/node.js";
import type { TestServer } from "../helpers.js";
import { testClient } from "../portal.js";
import { bytesOf, faultServer, serve } from "./fault-server.js";

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };
let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function server(handler: Parameters<typeof faultServer>[0]) {
  const s = await faultServer(handler);
  servers.push(s);
  return s;
}
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );
const body = JSON.stringify({ id: "T1", name: "x".repeat(2000) });

/** Headers and the first half of a JSON body, then silence. */
function stall(res: import("node:http").ServerResponse) {
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.write(body.slice(0, 1000));
}

describe("API calls", () => {
  it("a body that stalls after the headers is a TimeoutError within the limit, after the retries", async () => {
    let closed = 0;
    const s = await server((req, res) => {
      req.socket.once("close", () => closed++);
      stall(res);
    });
    const client = testClient(s.url, { ...fast, timeoutMs: 200 });
    const started = Date.now();
    const error = await failure(client.getThing({ path: { id: "T1" }, maxRetries: 1 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe("timeout");
    expect(s.requests).toHaveLength(2);
    // Two attempts of 200 ms and a backoff of at most 20 ms, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(1500);
    // The client closed both stalled connections itself (the server never ends them).
    for (let i = 0; i < 50 && closed < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(2);
  });

  it("the same, with the caller's own signal (the AbortController path)", async () => {
    const s = await server((_req, res) => stall(res));
    const client = testClient(s.url, { ...fast, timeoutMs: 200 });
    const signal = new AbortController().signal;
    const error = await failure(client.getThing({ path: { id: "T1" }, maxRetries: 1, signal }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(s.requests).toHaveLength(2);
  });

  it("a stalled body is retried and the retry's answer returned", async () => {
    const s = await server((_req, res, i) => {
      if (i === 0) return stall(res);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    const client = testClient(s.url, { ...fast, timeoutMs: 200 });
    const thing = await client.getThing({ path: { id: "T1" } });
    expect(thing).toEqual(JSON.parse(body));
    expect(s.requests).toHaveLength(2);
  });

  it("a body cut short on a GET is retried like a reset", async () => {
    const s = await server((_req, res, i) => {
      if (i === 0) {
        res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
        res.write(body.slice(0, 1000), () => res.socket?.destroy());
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    const thing = await testClient(s.url, fast).getThing({ path: { id: "T1" } });
    expect(thing).toEqual(JSON.parse(body));
    expect(s.requests).toHaveLength(2);
  });

  it("a POST whose body stalls is not resent", async () => {
    const s = await server((_req, res) => stall(res));
    const client = testClient(s.url, { ...fast, timeoutMs: 200 });
    const error = await failure(client.createThing({ body: { name: "a" }, maxRetries: 3 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(s.requests).toHaveLength(1);
  });

  it("a POST whose body is cut short is not resent either", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.write(body.slice(0, 1000), () => res.socket?.destroy());
    });
    const error = await failure(testClient(s.url, fast).createThing({ body: { name: "a" }, maxRetries: 3 }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(s.requests).toHaveLength(1);
  });
});

describe("downloads", () => {
  const file = { bytes: bytesOf(400_000, 9), etag: '"s1"' };
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a body that stalls fails the attempt after the idle limit and the next one resumes", async () => {
    dir = mkdtempSync(join(tmpdir(), "sciportals-stall-"));
    const s = await server((req, res, i) => serve(req, res, file, i === 0 ? { stallAfter: 100_000 } : {}));
    const dest = join(dir, "out.bin");
    const started = Date.now();
    const result = await downloadToFile(`${s.url}/f`, dest, { ...fast, idleTimeoutMs: 150 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(s.requests[1]!.headers.range).toBe("bytes=100000-");
    expect(result.transferred).toBe(file.bytes.length);
    expect(readFileSync(dest).equals(file.bytes)).toBe(true);
  });

  it("timeoutMs ends an attempt that trickles (never idle), and the next resumes from the bytes on disk", async () => {
    dir = mkdtempSync(join(tmpdir(), "sciportals-stall-"));
    const content = Buffer.from("0123456789".repeat(6));
    const s = await server((req, res) => {
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? 0);
      const headers = { etag: '"t"', "content-length": content.length - start };
      if (start > 0)
        res.writeHead(206, {
          ...headers,
          "content-range": `bytes ${start}-${content.length - 1}/${content.length}`,
        });
      else res.writeHead(200, headers);
      let at = start;
      const timer = setInterval(
        () => (at < content.length ? res.write(content.subarray(at, ++at)) : res.end()),
        20,
      );
      res.on("close", () => clearInterval(timer));
    });
    const dest = join(dir, "out.bin");
    const result = await downloadToFile(`${s.url}/f`, dest, {
      ...fast,
      timeoutMs: 150,
      idleTimeoutMs: 1000,
      maxRetries: 20, // a busy machine may let an attempt end before its first byte
    });
    expect(readFileSync(dest).equals(content)).toBe(true);
    // 60 bytes at one per 20 ms take 1.2 s: attempts of 150 ms each, every one resuming.
    expect(result.attempts).toBeGreaterThanOrEqual(3);
    const offsets = s.requests.map((r) => Number(/bytes=(\d+)-/.exec(r.headers.range ?? "")?.[1] ?? 0));
    expect(offsets.every((o, i) => i === 0 || o >= offsets[i - 1]!)).toBe(true);
    expect(offsets.at(-1)).toBeGreaterThan(0);
  });
});
