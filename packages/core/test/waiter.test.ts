import { afterEach, describe, expect, it } from "vitest";
import { AbortError, ValidationError, WaiterError } from "../src/index.js";
import { json, startServer, type TestServer } from "./helpers.js";
import { testClient } from "./portal.js";

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** A job that reports each state in `states` once, then stays in the last one. */
async function jobServer(states: string[]) {
  s = await startServer((_req, res, i) =>
    json(res, 200, { info: { status: states[Math.min(i, states.length - 1)] } }),
  );
  return s;
}

describe("waitFor", () => {
  it("polls until a success state and resolves with the last result", async () => {
    const server = await jobServer(["STARTING", "RUNNING", "RUNNING", "COMPLETED"]);
    const seen: (string | undefined)[] = [];
    const result = await testClient(server.url).waitFor(
      "jobStatus",
      { path: { id: "7" } },
      { onPoll: (_r, state) => seen.push(state) },
    );
    expect(result).toEqual({ info: { status: "COMPLETED" } });
    expect(seen).toEqual(["STARTING", "RUNNING", "RUNNING", "COMPLETED"]);
  });

  it("throws a WaiterError carrying the state and result on a failure state", async () => {
    const server = await jobServer(["RUNNING", "FAILED"]);
    const error = await testClient(server.url)
      .waitFor("jobStatus", { path: { id: "7" } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WaiterError);
    expect(error.code).toBe("failed_state");
    expect(error.state).toBe("FAILED");
    expect(error.message).toBe("Testportal: jobStatus reached the failure state FAILED");
    expect(server.requests).toHaveLength(2);
  });

  it("gives up after maxWaitMs, saying what state it was in", async () => {
    const server = await jobServer(["RUNNING"]);
    const started = Date.now();
    const error = await testClient(server.url)
      .waitFor("jobStatus", { path: { id: "7" } }, { maxWaitMs: 300 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WaiterError);
    expect(error.code).toBe("wait_timeout");
    expect(error.message).toMatch(/jobStatus was still RUNNING after 0 s \(\d+ polls\); raise maxWaitMs/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("backs off between polls up to the maximum delay", async () => {
    const server = await jobServer(["RUNNING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"]);
    const times: number[] = [];
    await testClient(server.url).waitFor(
      "jobStatus",
      { path: { id: "1" } },
      { minDelayMs: 40, maxDelayMs: 90, onPoll: () => times.push(Date.now()) },
    );
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(25);
    expect(Math.max(...gaps)).toBeLessThan(250);
    expect(gaps.at(-1)!).toBeGreaterThanOrEqual(gaps[0]! - 10);
  });

  it("stops at once when aborted", async () => {
    const server = await jobServer(["RUNNING"]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await testClient(server.url)
      .waitFor("jobStatus", { path: { id: "7" } }, { signal: controller.signal, minDelayMs: 5000 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(AbortError);
  });

  it("rejects an operation without a waiter", async () => {
    await expect(testClient("http://127.0.0.1:9").waitFor("getThing", { path: { id: "A" } })).rejects.toThrow(
      ValidationError,
    );
  });
});

describe("head", () => {
  it("reports size, ETag and range support of an existing file, with credentials", async () => {
    s = await startServer((req, res) => {
      res.writeHead(req.url === "/files/404" ? 404 : 200, {
        "content-length": "1234",
        etag: '"abc"',
        "accept-ranges": "bytes",
        "content-type": "application/octet-stream",
      });
      res.end();
    });
    const client = testClient(s.url);
    const info = await client.head("headFile", { path: { id: 5 } });
    expect(info).toMatchObject({ exists: true, size: 1234, etag: '"abc"', acceptsRanges: true });
    expect(s.requests[0]!.method).toBe("HEAD");
    expect(s.requests[0]!.headers["x-api-key"]).toBe("secret-key-123");
    const missing = await client.head("headFile", { path: { id: 404 } });
    expect(missing.exists).toBe(false);
    // A download operation can be asked too: HEAD on its own URL.
    const viaDownload = await client.head("fileBytes", { path: { id: 9 } });
    expect(viaDownload.size).toBe(1234);
    expect(s.requests.at(-1)!.url).toBe("/files/9");
  });
});
