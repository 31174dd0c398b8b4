// Issue 13, classes 1 and 2: a resume never splices two versions of a file, and a server that
// cannot resume costs a bounded number of requests, then one typed error.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TransferError } from "../../src/index.js";
import { downloadToFile } from "../../src/node.js";
import type { TestServer } from "../helpers.js";
import { bytesOf, faultServer, serve, type Version } from "./fault-server.js";

const fast = { retry: { initialDelayMs: 20, maxDelayMs: 80 } };
let dir: string;
let servers: TestServer[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sciportals-resume-"));
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});
async function server(handler: Parameters<typeof faultServer>[0]) {
  const s = await faultServer(handler);
  servers.push(s);
  return s;
}

const v1: Version = {
  bytes: bytesOf(300_000, 1),
  etag: '"v1"',
  lastModified: "Mon, 01 Jun 2026 10:00:00 GMT",
};
const v2: Version = {
  bytes: bytesOf(300_000, 2),
  etag: '"v2"',
  lastModified: "Tue, 02 Jun 2026 10:00:00 GMT",
};

describe("a resume never splices two versions", () => {
  it("restarts when a 206 carries another ETag, though the server ignored If-Range", async () => {
    const s = await server((req, res, i) =>
      i === 0 ? serve(req, res, v1, { cutAfter: 100_000 }) : serve(req, res, v2, { ignoreIfRange: true }),
    );
    const dest = join(dir, "out.bin");
    const result = await downloadToFile(`${s.url}/f`, dest, fast);
    expect(result.restarted).toBe(true);
    expect(readFileSync(dest).equals(v2.bytes)).toBe(true);
    // 1: cut; 2: resumed, answered with v2's bytes (discarded); 3: from zero.
    expect(s.requests.map((r) => [r.headers.range, r.headers["if-range"]])).toEqual([
      [undefined, undefined],
      ["bytes=100000-", '"v1"'],
      [undefined, undefined],
    ]);
  });

  it("restarts when a 206 has the same ETag but another total", async () => {
    const longer: Version = { bytes: Buffer.concat([v1.bytes, Buffer.alloc(10)]), etag: v1.etag };
    const s = await server((req, res, i) =>
      i === 0 ? serve(req, res, v1, { cutAfter: 100_000 }) : serve(req, res, longer),
    );
    const dest = join(dir, "out.bin");
    const result = await downloadToFile(`${s.url}/f`, dest, fast);
    expect(result.restarted).toBe(true);
    expect(readFileSync(dest).equals(longer.bytes)).toBe(true);
    expect(s.requests).toHaveLength(3);
  });

  it("checks Last-Modified when the partial began without a strong ETag", async () => {
    const weak1: Version = { bytes: v1.bytes, etag: 'W/"v1"', lastModified: v1.lastModified };
    const weak2: Version = { bytes: v2.bytes, etag: 'W/"v1"', lastModified: v2.lastModified };
    const s = await server((req, res, i) =>
      i === 0
        ? serve(req, res, weak1, { cutAfter: 50_000 })
        : serve(req, res, weak2, { ignoreIfRange: true }),
    );
    const dest = join(dir, "out.bin");
    const result = await downloadToFile(`${s.url}/f`, dest, fast);
    expect(s.requests[1]!.headers["if-range"]).toBe(v1.lastModified);
    expect(result.restarted).toBe(true);
    expect(readFileSync(dest).equals(v2.bytes)).toBe(true);
  });

  it("restarts a .part from an earlier call when the resumed 206 is another version", async () => {
    const dest = join(dir, "out.bin");
    writeFileSync(`${dest}.part`, v1.bytes.subarray(0, 120_000));
    writeFileSync(
      `${dest}.part.json`,
      JSON.stringify({
        key: "http://x/f",
        total: v1.bytes.length,
        etag: v1.etag,
        lastModified: v1.lastModified,
      }),
    );
    const s = await server((req, res) => serve(req, res, v2, { ignoreIfRange: true }));
    const result = await downloadToFile({ url: `${s.url}/f`, resumeKey: "http://x/f" }, dest, fast);
    expect(s.requests[0]!.headers.range).toBe("bytes=120000-");
    expect(result).toMatchObject({ restarted: true, resumed: false, size: v2.bytes.length });
    expect(readFileSync(dest).equals(v2.bytes)).toBe(true);
  });

  it("restarts from zero, not appending, when a ranged request gets a 200", async () => {
    const dest = join(dir, "out.bin");
    writeFileSync(`${dest}.part`, v1.bytes.subarray(0, 120_000));
    writeFileSync(`${dest}.part.json`, JSON.stringify({ key: "k", total: v1.bytes.length, etag: v1.etag }));
    const s = await server((req, res) => serve(req, res, v1, { ignoreRange: true }));
    const result = await downloadToFile({ url: `${s.url}/f`, resumeKey: "k" }, dest, fast);
    expect(result).toMatchObject({ restarted: true, size: v1.bytes.length, transferred: v1.bytes.length });
    expect(readFileSync(dest).equals(v1.bytes)).toBe(true);
    expect(s.requests).toHaveLength(1);
  });

  it("resumes when the 206 is the same version", async () => {
    const s = await server((req, res, i) => serve(req, res, v1, i === 0 ? { cutAfter: 100_000 } : {}));
    const dest = join(dir, "out.bin");
    const result = await downloadToFile(`${s.url}/f`, dest, fast);
    expect(result.restarted).toBe(false);
    expect(result.transferred).toBe(v1.bytes.length);
    expect(readFileSync(dest).equals(v1.bytes)).toBe(true);
    expect(s.requests).toHaveLength(2);
  });
});

describe("a server that cannot resume", () => {
  it("costs four requests (one, then two fruitless restarts and the third), with backoff, then range_not_supported", async () => {
    const s = await server((req, res) => serve(req, res, v1, { ignoreRange: true, cutAfter: 120_000 }));
    const dest = join(dir, "out.bin");
    const started = Date.now();
    const error = await downloadToFile(`${s.url}/f`, dest, fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("range_not_supported");
    expect((error as TransferError).message).toContain("does not support ranged requests");
    expect(s.requests).toHaveLength(4);
    expect(s.requests.slice(1).every((r) => r.headers.range === "bytes=120000-")).toBe(true);
    // Backoff between the fruitless restarts: at least 15 + 30 ms (20 and 40, minus jitter).
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it("keeps going while each restart gets further than the last", async () => {
    const s = await server((req, res, i) =>
      serve(req, res, v1, { ignoreRange: true, ...(i < 3 ? { cutAfter: 60_000 * (i + 1) } : {}) }),
    );
    const dest = join(dir, "out.bin");
    const result = await downloadToFile(`${s.url}/f`, dest, fast);
    expect(readFileSync(dest).equals(v1.bytes)).toBe(true);
    expect(result.restarted).toBe(true);
    expect(s.requests).toHaveLength(4);
  });
});
