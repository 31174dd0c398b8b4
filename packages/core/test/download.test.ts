import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Faults, listen, serveFile, sha256Of, startObjectStore, type VirtualFile } from "@sciportals/sandbox";
import { AbortError, NotFoundError, TransferError, ValidationError } from "../src/index.js";
import { downloadToFile, parseContentRange } from "../src/node.js";
import { json } from "./helpers.js";
import { testClient } from "./portal.js";

const MiB = 1 << 20;
let dir: string;
let cleanups: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sciportals-dl-"));
});
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
  rmSync(dir, { recursive: true, force: true });
});

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };

/** A file server with faults and a request log, where the file can be replaced mid-test. */
async function fileServer(initial: VirtualFile, beforeServe?: (index: number) => void) {
  const faults = new Faults();
  let file = initial;
  const log: {
    range?: string | undefined;
    ifRange?: string | undefined;
    bytes: number;
    auth?: string | undefined;
  }[] = [];
  const server = await listen((req, res) => {
    const entry = {
      range: req.headers.range,
      ifRange: req.headers["if-range"] as string | undefined,
      bytes: 0,
      auth: req.headers["x-api-key"] as string | undefined,
    };
    log.push(entry);
    beforeServe?.(log.length - 1);
    if (req.url?.startsWith("/missing")) return json(res, 404, { detail: "No such file" });
    const failure = faults.takeFailure(req);
    if (failure) return json(res, failure.status, { detail: "injected" });
    serveFile(req, res, file, faults, { onBytes: (n) => (entry.bytes += n) });
  });
  cleanups.push(() => server.close());
  return { url: server.url, faults, log, replace: (next: VirtualFile) => void (file = next) };
}

describe("downloadToFile", () => {
  it("streams to .part, verifies the length and renames into place", async () => {
    const file = { size: 5 * MiB + 123, seed: 7 };
    const server = await fileServer(file);
    const dest = join(dir, "out.bin");
    const progress: number[] = [];
    const result = await downloadToFile(`${server.url}/f`, dest, {
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(result).toMatchObject({ size: file.size, transferred: file.size, resumed: false, attempts: 1 });
    expect(sha(dest)).toBe(sha256Of(file));
    expect(progress.at(-1)).toBe(file.size);
    expect(readdirSync(dir)).toEqual(["out.bin"]);
  });

  it.each([1, 300_000, 4 * MiB - 1])(
    "resumes a connection cut after %i bytes, transferring only the rest",
    async (cut) => {
      const file = { size: 4 * MiB, seed: 11 };
      const server = await fileServer(file);
      server.faults.cutNext(cut);
      const dest = join(dir, "cut.bin");
      const result = await downloadToFile(`${server.url}/f`, dest, fast);
      expect(sha(dest)).toBe(sha256Of(file));
      expect(server.log).toHaveLength(2);
      expect(server.log[1]!.range).toBe(`bytes=${cut}-`);
      expect(server.log[1]!.ifRange).toMatch(/^"/);
      const served = server.log.reduce((sum, e) => sum + e.bytes, 0);
      expect(served).toBe(file.size);
      expect(result.transferred).toBe(file.size);
    },
  );

  it("keeps going through many cuts as long as each makes progress", async () => {
    const file = { size: 2 * MiB, seed: 3 };
    const server = await fileServer(file);
    server.faults.cutNext(100_000, 8);
    const dest = join(dir, "many.bin");
    await downloadToFile(`${server.url}/f`, dest, { ...fast, maxRetries: 2 });
    expect(sha(dest)).toBe(sha256Of(file));
    expect(server.log).toHaveLength(9);
  });

  it("restarts instead of splicing when the file changed between attempts", async () => {
    const changed = { size: 3 * MiB + 10, seed: 22 };
    // The second request finds a new version of the file (a new ETag).
    const server = await fileServer(
      { size: 3 * MiB, seed: 21 },
      (index) => index === 1 && server.replace(changed),
    );
    server.faults.cutNext(MiB);
    const dest = join(dir, "changed.bin");
    const result = await downloadToFile(`${server.url}/f`, dest, fast);
    expect(result.restarted).toBe(true);
    expect(sha(dest)).toBe(sha256Of(changed));
    expect(server.log[1]!.range).toBe(`bytes=${MiB}-`);
  });

  it("resumes a .part left by an earlier, failed call", async () => {
    const file = { size: 3 * MiB, seed: 5 };
    const server = await fileServer(file);
    server.faults.cutNext(MiB).failNext(5, { status: 503, match: (req) => req.headers.range !== undefined });
    const dest = join(dir, "later.bin");
    await expect(downloadToFile(`${server.url}/f`, dest, { ...fast, maxRetries: 0 })).rejects.toThrow(/503/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(true);
    server.faults.clear();
    const result = await downloadToFile(`${server.url}/f`, dest, fast);
    expect(result.resumed).toBe(true);
    expect(result.transferred).toBe(2 * MiB);
    expect(sha(dest)).toBe(sha256Of(file));
  });

  it("refuses to overwrite an existing file unless asked, before sending anything", async () => {
    const server = await fileServer({ size: 1000, seed: 1 });
    const dest = join(dir, "exists.bin");
    writeFileSync(dest, "precious");
    await expect(downloadToFile(`${server.url}/f`, dest)).rejects.toThrow(ValidationError);
    await expect(downloadToFile(`${server.url}/f`, dest)).rejects.toThrow(
      "pass { overwrite: true } to replace it",
    );
    expect(readFileSync(dest, "utf8")).toBe("precious");
    expect(server.log).toHaveLength(0);
    await downloadToFile(`${server.url}/f`, dest, { overwrite: true });
    expect(readFileSync(dest).length).toBe(1000);
  });

  it("rejects a destination in a missing directory before sending anything", async () => {
    const server = await fileServer({ size: 10, seed: 1 });
    await expect(downloadToFile(`${server.url}/f`, join(dir, "no", "such", "x.bin"))).rejects.toThrow(
      /directory .* does not exist/,
    );
    expect(server.log).toHaveLength(0);
  });

  it("leaves nothing at the destination when the server says no", async () => {
    const server = await fileServer({ size: 10, seed: 1 });
    const dest = join(dir, "nope.bin");
    await expect(downloadToFile(`${server.url}/missing`, dest)).rejects.toThrow(NotFoundError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("fails when a 206 does not start where it was asked to", async () => {
    const server = await listen((req, res) => {
      if (!req.headers.range) {
        res.writeHead(200, { "content-length": 1000, etag: '"v1"' });
        res.write(Buffer.alloc(400));
        return void setTimeout(() => res.destroy(), 20);
      }
      res.writeHead(206, { "content-range": "bytes 0-999/1000", "content-length": 1000, etag: '"v1"' });
      res.end(Buffer.alloc(1000));
    });
    cleanups.push(() => server.close());
    const dest = join(dir, "bad-range.bin");
    const error = await downloadToFile(`${server.url}/f`, dest, fast).catch((e) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect(error.message).toBe("the server sent bytes bytes 0-999/1000 when asked for bytes 400-");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("verifies a checksum and deletes a file that does not match", async () => {
    const file = { size: 100_000, seed: 9 };
    const server = await fileServer(file);
    const good = join(dir, "good.bin");
    await downloadToFile(`${server.url}/f`, good, {
      checksum: { algorithm: "sha256", expected: sha256Of(file) },
    });
    const bad = join(dir, "bad.bin");
    await expect(
      downloadToFile(`${server.url}/f`, bad, {
        checksum: { algorithm: "sha256", expected: "00".repeat(32) },
      }),
    ).rejects.toThrow(TransferError);
    expect(readdirSync(dir)).toEqual(["good.bin"]);
  });

  it("aborts promptly and keeps no file at the destination", async () => {
    const server = await fileServer({ size: 64 * MiB, seed: 2 });
    server.faults.delayNext(0);
    const controller = new AbortController();
    const dest = join(dir, "aborted.bin");
    const pending = downloadToFile(`${server.url}/f`, dest, {
      signal: controller.signal,
      onProgress: (p) => p.bytes > MiB && controller.abort(),
    });
    await expect(pending).rejects.toThrow(AbortError);
    expect(existsSync(dest)).toBe(false);
  });

  it("parses Content-Range", () => {
    expect(parseContentRange("bytes 10-19/100")).toEqual({ start: 10, end: 19, total: 100 });
    expect(parseContentRange("bytes 10-19/*")).toEqual({ start: 10, end: 19, total: undefined });
    expect(parseContentRange("bytes */100")?.total).toBe(100);
    expect(parseContentRange("items 1-2/3")).toBeUndefined();
  });
});

describe("client.download", () => {
  it(
    "fetches a pre-signed URL without credentials and asks again when it expires mid-way",
    { timeout: 10_000 },
    async () => {
      const store = await startObjectStore(new Faults());
      cleanups.push(() => store.close());
      const file = { size: 2 * MiB, seed: 31 };
      store.put("bucket/data.bin", file);
      let urlRequests = 0;
      const api = await listen((req, res) => {
        urlRequests++;
        // Only the first URL is short-lived: signed to the second, it lives between 1 and 2 s.
        json(res, 200, { url: store.sign("bucket/data.bin", urlRequests === 1 ? 2 : 3600) });
      });
      cleanups.push(() => api.close());
      // The resume waits 2.1 s, finds the first URL expired, and asks for a new one.
      store.faults.cutNext(MiB).delayNext(2100, 1, (req) => req.headers.range !== undefined);
      const dest = join(dir, "presigned.bin");
      const result = await testClient(api.url).download("fileUrl", { path: { id: 1 } }, dest);
      expect(sha(dest)).toBe(sha256Of(file));
      expect(urlRequests).toBe(2);
      expect(store.requests.map((r) => r.status)).toEqual([200, 403, 206]);
      expect(store.requests[2]!.range).toBe(`bytes=${MiB}-`);
      expect(store.requests.every((r) => !r.hasAuthorization && !r.headerNames.includes("x-api-key"))).toBe(
        true,
      );
      expect(result.transferred).toBe(file.size);
    },
  );

  it("sends credentials to the portal's own download URL and resumes with Range", async () => {
    const file = { size: 3 * MiB, seed: 41 };
    const server = await fileServer(file);
    server.faults.cutNext(MiB + 7);
    const dest = join(dir, "direct.bin");
    await testClient(server.url, fast).download("fileBytes", { path: { id: 5 } }, dest, fast);
    expect(sha(dest)).toBe(sha256Of(file));
    expect(server.log.map((e) => e.auth)).toEqual(["secret-key-123", "secret-key-123"]);
    expect(server.log[1]!.range).toBe(`bytes=${MiB + 7}-`);
  });

  it("rejects an operation that is not a download, and bad parameters, before sending", async () => {
    const server = await fileServer({ size: 10, seed: 1 });
    const client = testClient(server.url);
    await expect(client.download("getThing", { path: { id: "A" } }, join(dir, "x"))).rejects.toThrow(
      "getThing is not a download operation. Downloads: fileUrl, fileBytes.",
    );
    await expect(client.download("fileBytes", { path: { id: "7" } }, join(dir, "x"))).rejects.toThrow(
      'path parameter "id" must be an integer',
    );
    expect(server.log).toHaveLength(0);
  });
});
