// Single-request multipart uploads (`x-sciportals-transfer: { mode: single }`) against a local
// server that can cut the connection part-way through the body.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConnectionError, UploadError } from "../src/index.js";
import { testClient } from "./portal.js";

let dir: string;
let servers: Server[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "upload-single-"));
});
afterEach(async () => {
  await Promise.all(
    servers.map((s) => new Promise<void>((done) => (s.closeAllConnections(), s.close(() => done())))),
  );
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff);
const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** A multipart server: records each request; `cut(index)` says after how many body bytes to drop it. */
async function importServer(cut: (index: number) => number | undefined = () => undefined) {
  const seen: { method: string; url: string; headers: IncomingMessage["headers"]; form?: FormData }[] = [];
  const server = createServer((req, res) => {
    const index = seen.length;
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const limit = cut(index);
    const chunks: Buffer[] = [];
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
      if (limit !== undefined && received >= limit) req.socket.destroy(); // the cut, mid-body
    });
    req.on("end", async () => {
      const form = await new Response(Buffer.concat(chunks), {
        headers: { "content-type": req.headers["content-type"]! },
      }).formData();
      seen[index]!.form = form;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jobExecId: 7, status: "STARTING" }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("upload, single multipart request", () => {
  it("streams the other fields then the file, last, with progress as bytes are sent", async () => {
    const { url, seen } = await importServer();
    const data = bytes(300_000);
    const path = join(dir, "samples.tsv");
    writeFileSync(path, data);
    const progress: number[] = [];
    const result = await testClient(url).upload(
      "importFile",
      { path: { kind: "samples" }, body: { studyAccession: "GSF1" } },
      path,
      { onProgress: (p) => progress.push(p.bytes) },
    );
    expect(result).toMatchObject({ bytes: 300_000, chunks: 1, response: { jobExecId: 7 } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe("/import/samples");
    expect(seen[0]!.headers["x-api-key"]).toBe("secret-key-123");
    const form = seen[0]!.form!;
    expect([...form.keys()]).toEqual(["studyAccession", "file"]); // the file part last, as ODM requires
    const file = form.get("file") as File;
    expect(file.name).toBe("samples.tsv");
    expect(sha(new Uint8Array(await file.arrayBuffer()))).toBe(sha(data));
    expect(progress.length).toBeGreaterThan(1); // reported while sending, not only at the end
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(300_000);
  });

  it("does not resend a POST whose connection was cut mid-upload: a typed UploadError", async () => {
    const { url, seen } = await importServer(() => 100_000);
    const error = await testClient(url, { retry: { initialDelayMs: 5 } })
      .upload("importFile", { path: { kind: "file" }, body: { studyAccession: "GSF1" } }, bytes(1_000_000), {
        filename: "big.bin",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect((error as UploadError).cause).toBeInstanceOf(ConnectionError);
    expect((error as UploadError).message).toMatch(
      /the upload of big\.bin failed after \d+ of 1000000 bytes/,
    );
    expect((error as UploadError).checkpoint).toMatchObject({
      offset: 0,
      filename: "big.bin",
      size: 1_000_000,
    });
    expect(seen).toHaveLength(1); // it may have started a job: never sent twice
  });

  it("resends an idempotent upload after a cut, from the start, and completes", async () => {
    const { url, seen } = await importServer((i) => (i === 0 ? 50_000 : undefined));
    const data = bytes(400_000);
    const result = await testClient(url, { retry: { initialDelayMs: 5 } }).upload(
      "importFileIdempotent",
      { path: { kind: "cells" } },
      new Blob([data]),
      { filename: "cells.tsv" },
    );
    expect(result.bytes).toBe(400_000);
    expect(seen).toHaveLength(2);
    const file = seen[1]!.form!.get("file") as File;
    expect(sha(new Uint8Array(await file.arrayBuffer()))).toBe(sha(data));
  });

  it("checks the caller's fields before reading or sending anything", async () => {
    const { url, seen } = await importServer();
    await expect(
      testClient(url).upload("importFile", { path: { kind: "x" }, body: {} }, join(dir, "missing.tsv")),
    ).rejects.toThrow(/studyAccession/);
    expect(seen).toHaveLength(0);
  });
});
