// Issue 13, class 14: a file that changes while it is being uploaded is detected, never reported
// as uploaded.
import { appendFileSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UploadError } from "../../src/index.js";
import { json, startServer, type TestServer } from "../helpers.js";
import { testClient } from "../portal.js";

let dir: string;
let servers: TestServer[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "upload-change-"));
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

/** Acknowledges every chunk (the test portal's chunk size is 1000 bytes); `onChunk` runs first. */
async function ackServer(onChunk: (index: number) => void) {
  const server = await startServer((_req, res, index) => {
    onChunk(index);
    json(res, 200, { id: "U1" });
  });
  servers.push(server);
  return server;
}

const lastFlags = (server: TestServer) =>
  server.requests.map((r) => /name="is_last"\r\n\r\n(true|false)/.exec(r.body)?.[1]);

describe("a source that changes during an upload", () => {
  const changes: [string, (path: string) => void][] = [
    ["grows", (path) => appendFileSync(path, "more bytes")],
    [
      "is modified in place (same size, new mtime)",
      (path) => utimesSync(path, new Date(), new Date(Date.now() + 5_000)),
    ],
    [
      "is replaced by another file of the same size",
      (path) => {
        writeFileSync(`${path}.new`, Buffer.alloc(5_000, 1));
        renameSync(`${path}.new`, path);
      },
    ],
  ];

  for (const [what, change] of changes) {
    it(`${what}: UploadError source_changed, and the last chunk is never sent`, async () => {
      const path = join(dir, "reads.fastq");
      writeFileSync(path, Buffer.alloc(5_000, 7)); // five chunks
      const server = await ackServer((index) => index === 0 && change(path));
      const error = await testClient(server.url)
        .upload("uploadFile", {}, path)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UploadError);
      expect((error as UploadError).code).toBe("source_changed");
      expect((error as UploadError).message).toContain("changed while it was being uploaded");
      expect(server.requests.length).toBeGreaterThanOrEqual(1);
      expect(server.requests.length).toBeLessThan(5);
      expect(lastFlags(server)).not.toContain("true");
    });
  }

  it("changed while the last chunk is on the wire: not reported as a success", async () => {
    const path = join(dir, "small.txt");
    writeFileSync(path, "one chunk only");
    const server = await ackServer(() => appendFileSync(path, "!"));
    const error = await testClient(server.url)
      .upload("uploadFile", {}, path)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "UploadError", code: "source_changed" });
    expect(server.requests).toHaveLength(1);
  });

  it("an unchanged file uploads as before", async () => {
    const path = join(dir, "stable.bin");
    writeFileSync(path, Buffer.alloc(2_500, 3));
    const server = await ackServer(() => {});
    const result = await testClient(server.url).upload("uploadFile", {}, path);
    expect(result).toMatchObject({ bytes: 2_500, chunks: 3 });
    expect(lastFlags(server)).toEqual(["false", "false", "true"]);
  });
});
