import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UploadError, ValidationError, type Credential } from "../src/index.js";
import { json, startServer, type TestServer } from "./helpers.js";
import { testClient } from "./portal.js";

let dir: string;
let servers: TestServer[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "upload-"));
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** A server speaking the chunk protocol: it checks offsets, assembles the file and logs each chunk. */
async function chunkServer(
  hooks: { before?: (index: number, req: IncomingMessage, res: ServerResponse) => boolean } = {},
) {
  const uploads = new Map<string, Buffer[]>();
  const log: { offset: number; length: number; last: string; id: string | null; kind: string | null }[] = [];
  let serial = 0;
  let index = 0;
  const server = await startServer(async (req, res) => {
    if (hooks.before?.(index++, req, res)) return;
    const recorded = server.requests.at(-1)!;
    const form = await new Response(new Uint8Array(recorded.raw), {
      headers: { "content-type": req.headers["content-type"]! },
    }).formData();
    const offset = Number(form.get("expected_file_size"));
    const id = form.get("data") as string | null;
    const blob = form.get("blob") as Blob;
    const data = Buffer.from(await blob.arrayBuffer());
    log.push({
      offset,
      length: data.length,
      last: String(form.get("is_last")),
      id,
      kind: form.get("kind") as string | null,
    });
    const uploadId = id ?? String(++serial);
    const parts = uploads.get(uploadId) ?? [];
    const received = parts.reduce((n, p) => n + p.length, 0);
    if (offset < received) return json(res, 200, { id: uploadId }); // a resent chunk: acknowledged again, not appended
    if (offset > received) return json(res, 400, { error: `expected offset ${received}` });
    parts.push(data);
    uploads.set(uploadId, parts);
    json(res, 200, { id: uploadId });
  });
  servers.push(server);
  return { server, log, file: (id: string) => new Uint8Array(Buffer.concat(uploads.get(id) ?? [])) };
}

describe("upload", () => {
  it("sends a file from disk in order with the protocol's fields, byte for byte", async () => {
    const { server, log, file } = await chunkServer();
    const data = bytes(3500);
    const path = join(dir, "reads_1.fastq");
    writeFileSync(path, data);
    const progress: number[] = [];
    const result = await testClient(server.url).upload("uploadFile", { body: { kind: "reads" } }, path, {
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(result).toMatchObject({ uploadId: "1", bytes: 3500, chunks: 4 });
    expect(sha(file("1"))).toBe(sha(data));
    expect(log.map((c) => [c.offset, c.length, c.last, c.id, c.kind])).toEqual([
      [0, 1000, "false", null, "reads"],
      [1000, 1000, "false", "1", "reads"],
      [2000, 1000, "false", "1", "reads"],
      [3000, 500, "true", "1", "reads"],
    ]);
    expect(progress).toEqual([1000, 2000, 3000, 3500]);
    expect(server.requests[0]!.headers["x-api-key"]).toBe("secret-key-123");
  });

  it("uploads from a stream without knowing its size, marking the last chunk", async () => {
    const { server, log, file } = await chunkServer();
    const data = bytes(2300, 2);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < data.length; i += 700) controller.enqueue(data.subarray(i, i + 700));
        controller.close();
      },
    });
    await testClient(server.url).upload("uploadFile", {}, stream, { filename: "s.bin" });
    expect(sha(file("1"))).toBe(sha(data));
    expect(log.map((c) => c.last)).toEqual(["false", "false", "true"]);
  });

  it("retries a chunk that failed with 502 and completes", async () => {
    const { server, log, file } = await chunkServer({
      before: (i, _req, res) => {
        if (i === 2) {
          json(res, 502, { error: "Bad gateway" });
          return true;
        }
        return false;
      },
    });
    const data = bytes(3000, 3);
    await testClient(server.url, { retry: { initialDelayMs: 5 } }).upload("uploadFile", {}, data, {
      filename: "x.bin",
    });
    expect(sha(file("1"))).toBe(sha(data));
    expect(server.requests).toHaveLength(4);
    expect(log.map((c) => c.offset)).toEqual([0, 1000, 2000]);
  });

  it("sends every chunk, retries included, through the client's own fetch when it has one", async () => {
    const { server, log, file } = await chunkServer({
      before: (i, _req, res) => {
        if (i !== 1) return false;
        json(res, 503, { error: "busy" });
        return true;
      },
    });
    const seen: string[] = [];
    const traced: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    };
    const data = bytes(2500, 4);
    const result = await testClient(server.url, { fetch: traced, retry: { initialDelayMs: 5 } }).upload(
      "uploadFile",
      {},
      data,
      { filename: "traced.bin" },
    );
    expect(result).toMatchObject({ uploadId: "1", bytes: 2500, chunks: 3 });
    expect(sha(file("1"))).toBe(sha(data));
    expect(log.map((c) => c.offset)).toEqual([0, 1000, 2000]);
    // Three chunks and the resend of the one that met a 503: four requests, each seen by the fetch.
    expect(server.requests).toHaveLength(4);
    expect(seen).toEqual(Array(4).fill(`POST ${new URL(server.requests[0]!.url, server.url).pathname}`));
    expect(server.requests[0]!.headers["x-api-key"]).toBe("secret-key-123");
  });

  it("renews an expired token mid-upload and carries on", async () => {
    let token = "t1";
    let refreshes = 0;
    const credential: Credential = {
      get: () => ({ header: "X-Api-Key", value: token }),
      async refresh() {
        refreshes++;
        token = "t2";
        return true;
      },
    };
    const { server, file } = await chunkServer({
      before: (i, req, res) => {
        if (i >= 2 && req.headers["x-api-key"] !== "t2") {
          json(res, 401, { detail: "token expired" });
          return true;
        }
        return false;
      },
    });
    const data = bytes(4000, 4);
    await testClient(server.url, { credentials: { key: credential } }).upload("uploadFile", {}, data, {
      filename: "t.bin",
    });
    expect(refreshes).toBe(1);
    expect(sha(file("1"))).toBe(sha(data));
  });

  it("an aborted upload resumes from its checkpoint without resending acknowledged chunks", async () => {
    const { server, log, file } = await chunkServer();
    const data = bytes(5000, 5);
    const controller = new AbortController();
    const client = testClient(server.url);
    const error = await client
      .upload("uploadFile", {}, data, {
        filename: "r.bin",
        signal: controller.signal,
        onCheckpoint: (c) => c.offset === 2000 && controller.abort(),
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error.checkpoint).toEqual({ uploadId: "1", offset: 2000, filename: "r.bin", size: 5000 });
    expect(error.message).toContain("stopped after 2000 of 5000 bytes");
    await client.upload("uploadFile", {}, data, { filename: "r.bin", resumeFrom: error.checkpoint });
    expect(log.map((c) => c.offset)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(sha(file("1"))).toBe(sha(data));
  });

  it("rejects a filename with spaces before reading or sending anything", async () => {
    const { server } = await chunkServer();
    const error = await testClient(server.url)
      .upload("uploadFile", {}, join(dir, "does not exist.fastq"))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe(
      'Testportal: uploadFile: body field "filename" must match ^[^ ]+$ (got "does not exist.fastq").',
    );
    await expect(
      testClient(server.url).upload("uploadFile", { body: { kind: "video" } }, bytes(10), {
        filename: "a.bin",
      }),
    ).rejects.toThrow('body field "kind" must be one of "reads", "other"');
    expect(server.requests).toHaveLength(0);
  });

  it("says clearly when the file is missing", async () => {
    const { server } = await chunkServer();
    await expect(testClient(server.url).upload("uploadFile", {}, join(dir, "missing.fastq"))).rejects.toThrow(
      /cannot upload .*missing\.fastq/,
    );
    expect(server.requests).toHaveLength(0);
  });
});
