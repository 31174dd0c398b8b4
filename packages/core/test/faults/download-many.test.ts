// Issue 13, class 5: many files at once. A concurrency limit, one progress stream for the batch
// plus per-file events, per-file results and errors, resume per file, and a policy for
// destinations that exist, so that a rerun fetches only what is missing.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AbortError, NotFoundError, ValidationError, type BatchFileEvent } from "../../src/index.js";
import type { TestServer } from "../helpers.js";
import { testClient } from "../portal.js";
import { bytesOf, faultServer, serve, type Version } from "./fault-server.js";

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };
let dir: string;
let servers: TestServer[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sciportals-many-"));
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

/** A portal serving /files/{id} (ids 1..6; 404 otherwise), counting GETs in flight. */
async function portal(options: { cutOnce?: number; slow?: number } = {}) {
  const versions = new Map<number, Version>();
  for (let id = 1; id <= 6; id++)
    versions.set(id, { bytes: bytesOf(200_000 + id * 1000, id), etag: `"f${id}-1"` });
  let inFlight = 0;
  let maxInFlight = 0;
  let cut = false;
  const s = await faultServer((req, res) => {
    const id = Number(/\/files\/(\d+)/.exec(req.url ?? "")?.[1]);
    const version = versions.get(id);
    if (!version) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end('{"detail":"no such file"}');
    }
    if (req.method === "HEAD") return serve(req, res, version);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    if (id === options.cutOnce && !cut) {
      cut = true;
      return serve(req, res, version, { cutAfter: 50_000 });
    }
    if (id === options.slow) return void setTimeout(() => serve(req, res, version), 300);
    setTimeout(() => serve(req, res, version), 20); // long enough for requests to overlap
  });
  servers.push(s);
  const gets = () => s.requests.filter((r) => r.method === "GET");
  return { s, versions, gets, maxInFlight: () => maxInFlight };
}

const items = (ids: number[]) =>
  ids.map((id) => ({
    operationId: "fileBytes",
    input: { path: { id } },
    destination: join(dir, `f${id}.bin`),
  }));

describe("downloadMany", () => {
  it("downloads with at most `concurrency` at once, reports the batch and each file, and keeps going past a failure", async () => {
    const p = await portal({ cutOnce: 3 });
    const client = testClient(p.s.url);
    const events: BatchFileEvent[] = [];
    const progress: number[] = [];
    const url = { url: `${p.s.url}/files/6?sig=x`, destination: join(dir, "u6.bin") };
    const result = await client.downloadMany([...items([1, 2, 3, 99, 4, 5]), url], {
      concurrency: 2,
      each: fast,
      onFile: (e) => events.push(e),
      onProgress: (b) => progress.push(b.bytes),
    });
    expect(result).toMatchObject({ downloaded: 6, skipped: 0, failed: 1 });
    expect(result.files.map((f) => f.status)).toEqual([
      "downloaded",
      "downloaded",
      "downloaded",
      "failed",
      "downloaded",
      "downloaded",
      "downloaded",
    ]);
    expect(readFileSync(url.destination).equals(p.versions.get(6)!.bytes)).toBe(true);
    expect(p.gets().find((r) => r.url.startsWith("/files/6"))!.headers["x-api-key"]).toBeUndefined();
    expect(result.files[3]!.error).toBeInstanceOf(NotFoundError);
    for (const id of [1, 2, 3, 4, 5])
      expect(readFileSync(join(dir, `f${id}.bin`)).equals(p.versions.get(id)!.bytes)).toBe(true);
    expect(p.maxInFlight()).toBe(2);
    // File 3 was cut once and resumed from where it stopped.
    expect(result.files[2]!.result).toMatchObject({ attempts: 2 });
    expect(
      p
        .gets()
        .filter((r) => r.url === "/files/3")
        .map((r) => r.headers.range),
    ).toEqual([undefined, "bytes=50000-"]);
    const types = (t: string) => events.filter((e) => e.type === t).length;
    expect([types("start"), types("done"), types("failed")]).toEqual([7, 6, 1]);
    const total = [1, 2, 3, 4, 5, 6].reduce((n, id) => n + p.versions.get(id)!.bytes.length, 0);
    expect(progress.at(-1)).toBe(total);
  });

  it("a rerun fetches only what is missing or changed (existing: skip)", async () => {
    const p = await portal();
    const client = testClient(p.s.url);
    await client.downloadMany(items([1, 2, 3, 4]), { each: fast });
    expect(existsSync(join(dir, ".sciportals-downloads.json"))).toBe(true);
    unlinkSync(join(dir, "f2.bin")); // missing now
    p.versions.set(3, { bytes: bytesOf(210_000, 33), etag: '"f3-2"' }); // changed on the server
    const before = p.gets().length;
    const rerun = await client.downloadMany(items([1, 2, 3, 4]), { each: fast });
    expect(rerun.files.map((f) => f.status)).toEqual(["skipped", "downloaded", "downloaded", "skipped"]);
    expect(
      p
        .gets()
        .slice(before)
        .map((r) => r.url)
        .sort(),
    ).toEqual(["/files/2", "/files/3"]);
    expect(readFileSync(join(dir, "f3.bin")).equals(p.versions.get(3)!.bytes)).toBe(true);
  });

  it("skips on a matching checksum without asking the server; error and overwrite do as they say", async () => {
    const p = await portal();
    const client = testClient(p.s.url);
    await client.downloadMany(items([1, 2]), { each: fast });
    const sha = (id: number) => createHash("sha256").update(p.versions.get(id)!.bytes).digest("hex");
    const requests = p.s.requests.length;
    const checked = await client.downloadMany(
      items([1, 2]).map((item, i) => ({
        ...item,
        options: { checksum: { algorithm: "sha256" as const, expected: sha(i + 1) } },
      })),
    );
    expect(checked.skipped).toBe(2);
    expect(p.s.requests.length).toBe(requests); // not even a HEAD

    const refused = await client.downloadMany(items([1, 2]), { existing: "error" });
    expect(refused.failed).toBe(2);
    expect(refused.files[0]!.error).toBeInstanceOf(ValidationError);
    expect(refused.files[0]!.error!.code).toBe("destination_exists");
    expect(p.s.requests.length).toBe(requests);

    const again = await client.downloadMany(items([1, 2]), { existing: "overwrite" });
    expect(again.downloaded).toBe(2);
    expect(p.gets().length).toBe(4);
  });

  it("failFast stops the others: the file in flight is aborted, the rest never start", async () => {
    const p = await portal({ slow: 1 });
    const client = testClient(p.s.url);
    const result = await client.downloadMany(items([1, 99, 2, 3]), {
      concurrency: 2,
      failFast: true,
      each: fast,
    });
    expect(result.files[1]!.error).toBeInstanceOf(NotFoundError);
    expect(result.files[0]!.error).toBeInstanceOf(AbortError);
    expect(result.files[0]!.error!.message).toContain("the download was aborted");
    expect(result.files.slice(2).every((f) => f.error instanceof AbortError)).toBe(true);
    expect(result.downloaded).toBe(0);
    expect(
      p
        .gets()
        .map((r) => r.url)
        .sort(),
    ).toEqual(["/files/1", "/files/99"]);
    // The aborted file keeps a resumable .part only when bytes arrived; nothing at the destination.
    expect(existsSync(join(dir, "f1.bin"))).toBe(false);
  });
});
