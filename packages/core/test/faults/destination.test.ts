// Issue 13, classes 3 and 4: a bad destination fails before anything is sent, a full disk keeps
// the partial file for a later resume, and a failed download releases its sockets and timers.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  NotFoundError,
  PermissionDeniedError,
  TimeoutError,
  TransferError,
  ValidationError,
} from "../../src/index.js";
import { downloadToFile } from "../../src/node.js";
import type { TestServer } from "../helpers.js";
import { bytesOf, faultServer, liveHandles, serve, settledHandles, type Version } from "./fault-server.js";

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };
const file: Version = { bytes: bytesOf(3_000_000, 3), etag: '"d1"' };
let dir: string;
let servers: TestServer[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sciportals-dest-"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
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

describe("the destination is checked before the first request", () => {
  it("a missing parent, a directory, an unwritable directory: ValidationError, nothing sent", async () => {
    const s = await server((req, res) => serve(req, res, file));
    const missing = await failure(downloadToFile(`${s.url}/f`, join(dir, "no", "such", "out.bin")));
    expect(missing).toBeInstanceOf(ValidationError);
    expect((missing as ValidationError).code).toBe("invalid_destination");
    expect((missing as ValidationError).message).toContain("createDirectories");

    mkdirSync(join(dir, "taken"));
    const isDir = await failure(downloadToFile(`${s.url}/f`, join(dir, "taken"), { overwrite: true }));
    expect(isDir).toBeInstanceOf(ValidationError);
    expect((isDir as ValidationError).code).toBe("invalid_destination");

    // Root ignores permission bits: there, /sys/kernel (sysfs refuses new files) stands in.
    let locked = join(dir, "locked");
    if (process.getuid?.() === 0) locked = "/sys/kernel";
    else {
      mkdirSync(locked);
      chmodSync(locked, 0o500);
    }
    const denied = await failure(downloadToFile(`${s.url}/f`, join(locked, "out.bin")));
    expect(denied).toBeInstanceOf(ValidationError);
    expect((denied as ValidationError).code).toBe("destination_not_writable");
    expect((denied as ValidationError).message).toMatch(/EACCES|EPERM|EROFS/);
    expect(s.requests).toHaveLength(0);
  });

  it("creates missing parents when asked", async () => {
    const s = await server((req, res) => serve(req, res, file));
    const dest = join(dir, "a", "b", "out.bin");
    const result = await downloadToFile(`${s.url}/f`, dest, { createDirectories: true });
    expect(result.size).toBe(file.bytes.length);
    expect(readFileSync(dest).equals(file.bytes)).toBe(true);
  });
});

describe("a full disk mid-transfer", () => {
  it("is a TransferError disk_full that keeps the partial file, and the next call resumes it", async () => {
    // Simulated: fs/promises.open is replaced for `.part` files by a handle whose writev fails
    // with ENOSPC once 1 MiB is on disk (a real full tmpfs is not available in the test sandbox).
    const fsp = process.getBuiltinModule("node:fs/promises");
    const realOpen = fsp.open.bind(fsp);
    const spy = vi.spyOn(fsp, "open").mockImplementation(async (path: any, flags?: any, mode?: any) => {
      const handle = await realOpen(path, flags, mode);
      if (!String(path).endsWith(".part") || flags === "r") return handle;
      const writev = handle.writev.bind(handle);
      (handle as any).writev = async (buffers: Uint8Array[]) => {
        let room = (1 << 20) - (await handle.stat()).size;
        if (room <= 0) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        return writev(
          buffers.map((b) => {
            const piece = b.subarray(0, room);
            room -= piece.length;
            return piece;
          }),
        );
      };
      return handle;
    });
    const s = await server((req, res) => serve(req, res, file));
    const dest = join(dir, "out.bin");
    const error = await failure(downloadToFile(`${s.url}/f`, dest, fast));
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe("disk_full");
    expect(s.requests).toHaveLength(1); // never retried: a full disk does not empty itself
    expect(existsSync(dest)).toBe(false);
    expect(statSync(`${dest}.part`).size).toBe(1 << 20);
    expect(existsSync(`${dest}.part.json`)).toBe(true);

    spy.mockRestore();
    const result = await downloadToFile(`${s.url}/f`, dest, fast);
    expect(s.requests[1]!.headers.range).toBe(`bytes=${1 << 20}-`);
    expect(result).toMatchObject({ resumed: true, transferred: file.bytes.length - (1 << 20) });
    expect(readFileSync(dest).equals(file.bytes)).toBe(true);
  });
});

describe("a failed download releases everything", () => {
  it("after a stall, a 404, a cut with resume off and an invalid header value: no socket, no timer, no .part", async () => {
    const baseline = liveHandles();
    let cuts = 0;
    const s = await server((req, res) => {
      if (req.url === "/stall") return serve(req, res, file, { stallAfter: 0 });
      // Bytes on disk, then a refusal: the .part must still go, as resume is off.
      if (req.url === "/cut" && cuts++ === 0) return serve(req, res, file, { cutAfter: 10_000 });
      if (req.url === "/cut") return void res.writeHead(403).end();
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"detail":"gone"}');
    });
    const dest = join(dir, "out.bin");

    const stalled = await failure(
      downloadToFile(`${s.url}/stall`, dest, { ...fast, idleTimeoutMs: 100, maxRetries: 1, resume: false }),
    );
    expect(stalled).toBeInstanceOf(TimeoutError);
    const missing = await failure(downloadToFile(`${s.url}/missing`, dest, fast));
    expect(missing).toBeInstanceOf(NotFoundError);
    const cut = await failure(
      downloadToFile(`${s.url}/cut`, dest, { ...fast, maxRetries: 1, resume: false }),
    );
    expect(cut).toBeInstanceOf(PermissionDeniedError);
    const bad = await failure(
      downloadToFile({ url: `${s.url}/ok`, headers: () => ({ "x-trace": "a\r\nb" }) }, dest, fast),
    );
    expect(bad).toBeInstanceOf(ValidationError);
    expect(s.requests.map((r) => r.url)).toEqual(["/stall", "/stall", "/missing", "/cut", "/cut"]);

    const left = await settledHandles(baseline);
    expect(left.sockets).toBe(baseline.sockets);
    expect(left.timers).toBeLessThanOrEqual(baseline.timers);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(existsSync(`${dest}.part.json`)).toBe(false);
    expect(existsSync(dest)).toBe(false);
  });
});
