// Downloads into a WritableStream (the browser path, src/download-stream.ts), run here in Node,
// whose WHATWG streams are the browsers'. tools/browser runs the same path in Chromium.
import { afterEach, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Faults, listen, serveFile, sha256Of, startObjectStore } from "@sciportals/sandbox";
import {
  download,
  NotFoundError,
  RateLimitError,
  ResponseTruncatedError,
  TransferError,
} from "../src/index.js";
import { json } from "./helpers.js";
import { testClient } from "./portal.js";

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };

/** A WritableStream that collects what it is given, and says whether it was closed or aborted. */
function collector() {
  const chunks: Uint8Array[] = [];
  const state = { closed: false, aborted: undefined as unknown };
  const stream = new WritableStream<Uint8Array>({
    write: (chunk) => void chunks.push(chunk),
    close: () => void (state.closed = true),
    abort: (reason) => void (state.aborted = reason ?? "aborted"),
  });
  const sha = () => {
    const hash = createHash("sha256");
    for (const c of chunks) hash.update(c);
    return hash.digest("hex");
  };
  return { stream, state, sha, bytes: () => chunks.reduce((n, c) => n + c.byteLength, 0) };
}

async function fileServer(file: { size: number; seed: number }) {
  const faults = new Faults();
  const auth: (string | undefined)[] = [];
  const server = await listen((req, res) => {
    auth.push(req.headers["x-api-key"] as string | undefined);
    if (req.url?.startsWith("/files/404")) return json(res, 404, { detail: "No such file" });
    const failure = faults.takeFailure(req);
    if (failure)
      return json(
        res,
        failure.status,
        { detail: "slow down" },
        { "retry-after": String(failure.retryAfter) },
      );
    serveFile(req, res, file, faults);
  });
  cleanups.push(() => server.close());
  return { url: server.url, faults, auth };
}

describe("download into a WritableStream", () => {
  it("streams the portal's own file with its credentials, after a 429 and its Retry-After", async () => {
    const file = { size: 300_000, seed: 5 };
    const server = await fileServer(file);
    server.faults.failNext(1, { status: 429, retryAfter: 0 });
    const out = collector();
    const progress: number[] = [];
    const result = await download(
      testClient(server.url, fast),
      "fileBytes",
      { path: { id: 5 } },
      out.stream,
      {
        onProgress: (p) => progress.push(p.bytes),
      },
    );
    expect(result.size).toBe(file.size);
    expect(out.sha()).toBe(sha256Of(file));
    expect(out.state.closed).toBe(true);
    expect(server.auth).toEqual(["secret-key-123", "secret-key-123"]);
    expect(progress.at(-1)).toBe(file.size);
  });

  it("fetches a pre-signed URL without credentials", async () => {
    const store = await startObjectStore(new Faults());
    cleanups.push(() => store.close());
    const file = { size: 70_000, seed: 9 };
    store.put("bucket/a.bin", file);
    const api = await listen((_req, res) => json(res, 200, { url: store.sign("bucket/a.bin", 60) }));
    cleanups.push(() => api.close());
    const out = collector();
    await download(testClient(api.url), "fileUrl", { path: { id: 1 } }, out.stream);
    expect(out.sha()).toBe(sha256Of(file));
    expect(store.requests.map((r) => [r.status, r.hasAuthorization])).toEqual([[200, false]]);
  });

  it("aborts the stream with the error when the portal refuses or the body is cut", async () => {
    const refused = await fileServer({ size: 10, seed: 1 });
    const missing = collector();
    await expect(
      download(testClient(refused.url), "fileBytes", { path: { id: 404 } }, missing.stream),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(missing.state.aborted).toBeInstanceOf(NotFoundError);
    expect(missing.bytes()).toBe(0);

    refused.faults.failNext(10, { status: 429, retryAfter: 3600 });
    const limited = collector();
    await expect(
      download(testClient(refused.url, fast), "fileBytes", { path: { id: 1 } }, limited.stream),
    ).rejects.toBeInstanceOf(RateLimitError);
    expect(limited.state.aborted).toBeInstanceOf(RateLimitError);

    const short = await fileServer({ size: 100_000, seed: 1 });
    short.faults.cutNext(1000);
    const cut = collector();
    await expect(
      download(
        testClient(short.url, { ...fast, maxRetries: 0 }),
        "fileBytes",
        { path: { id: 1 } },
        cut.stream,
      ),
    ).rejects.toBeInstanceOf(ResponseTruncatedError);
    expect(cut.state.closed).toBe(false);
    expect(cut.state.aborted).toBeDefined();
  });

  it("checks the size the caller expects", async () => {
    const server = await fileServer({ size: 500, seed: 3 });
    const out = collector();
    await expect(
      download(testClient(server.url), "fileBytes", { path: { id: 1 } }, out.stream, { expectedSize: 501 }),
    ).rejects.toBeInstanceOf(TransferError);
    expect(out.state.aborted).toBeInstanceOf(TransferError);
  });
});
