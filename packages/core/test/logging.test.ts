import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NotFoundError, ServerError, type Credential, type Logger } from "../src/index.js";
import { json, startServer, type TestServer } from "./helpers.js";
import { testClient } from "./portal.js";

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };
let servers: TestServer[] = [];
let dirs: string[] = [];
async function server(...args: Parameters<typeof startServer>) {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** A logger that keeps every line with its level. */
function memoryLogger() {
  const lines: { level: string; line: string }[] = [];
  const logger: Logger = {
    debug: (line) => lines.push({ level: "debug", line }),
    info: (line) => lines.push({ level: "info", line }),
    warn: (line) => lines.push({ level: "warn", line }),
    error: (line) => lines.push({ level: "error", line }),
  };
  return { logger, lines };
}

/** Every hook call, in order, with its argument. */
function recordingHooks() {
  const calls: { hook: string; info: any }[] = [];
  return {
    calls,
    onRequest: (info: unknown) => void calls.push({ hook: "onRequest", info }),
    onResponse: (info: unknown) => void calls.push({ hook: "onResponse", info }),
    onRetry: (info: unknown) => void calls.push({ hook: "onRetry", info }),
  };
}

/** A 503 (with a request id) and then the thing. */
function flaky() {
  return server((_req, res, i) =>
    i === 0
      ? json(res, 503, { message: "busy" }, { "x-request-id": "req-1" })
      : json(res, 200, { id: "A1" }, { "x-request-id": "req-2" }),
  );
}

describe("log lines", () => {
  it("writes one line per request and per retry: method, path template, status, attempt, wait, duration, request id", async () => {
    const s = await flaky();
    const { logger, lines } = memoryLogger();
    const result = await testClient(s.url, { ...fast, logger }).getThing({ path: { id: "A1" } });
    expect(result).toEqual({ id: "A1" });
    expect(lines.map((l) => l.level)).toEqual(["debug", "info", "debug"]);
    const [first, retry, second] = lines.map((l) => l.line);
    expect(first).toMatch(
      /^sciportals level=debug event=request portal=Testportal operation=getThing method=GET path=\/things\/\{id\} status=503 attempt=1 duration_ms=\d+ request_id=req-1$/,
    );
    expect(retry).toMatch(
      /^sciportals level=info event=retry .*method=GET path=\/things\/\{id\} status=503 attempt=1 wait_ms=\d+ request_id=req-1$/,
    );
    const wait = Number(/wait_ms=(\d+)/.exec(retry!)![1]);
    expect(wait).toBeGreaterThanOrEqual(3); // 5 ms minus at most 25 % jitter, rounded
    expect(wait).toBeLessThanOrEqual(20);
    expect(second).toMatch(/status=200 attempt=2 duration_ms=\d+ request_id=req-2$/);
    // The template, never the filled URL.
    for (const { line } of lines) expect(line).not.toContain("/things/A1");
  });

  it("logs a failed call at warn with its request id, which the thrown error carries too", async () => {
    const s = await server((_req, res) =>
      json(res, 404, { message: "no such thing" }, { "x-amzn-requestid": "aws-77" }),
    );
    const { logger, lines } = memoryLogger();
    const error = await testClient(s.url, { logger })
      .getThing({ path: { id: "B2" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).requestId).toBe("aws-77");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe("warn");
    expect(lines[0]!.line).toMatch(/status=404 attempt=1 duration_ms=\d+ request_id=aws-77$/);
  });

  it("puts the request id on an error for a success body that is not JSON", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "x-request-id": "html-9" });
      res.end("<html>maintenance</html>");
    });
    const error = await testClient(s.url)
      .getThing({ path: { id: "C3" } })
      .catch((e: unknown) => e);
    expect((error as { requestId?: string }).requestId).toBe("html-9");
  });

  it("reports a download's requests and retries under the operation's path template", async () => {
    const s = await server((_req, res, i) => {
      if (i === 0) return json(res, 503, {}, { "x-request-id": "dl-1" });
      res.writeHead(200, { "content-length": "5", "x-request-id": "dl-2" });
      res.end("hello");
    });
    const dir = mkdtempSync(join(tmpdir(), "sciportals-log-"));
    dirs.push(dir);
    const { logger, lines } = memoryLogger();
    const hooks = recordingHooks();
    const dest = join(dir, "f.bin");
    await testClient(s.url, { ...fast, logger, ...hooks }).download(
      "fileBytes",
      { path: { id: 5 } },
      dest,
      fast,
    );
    expect(readFileSync(dest, "utf8")).toBe("hello");
    expect(lines.map((l) => l.line.replace(/\d+(?= |$)/g, "N"))).toEqual([
      "sciportals level=debug event=request portal=Testportal operation=fileBytes method=GET path=/files/{id} status=N attempt=N duration_ms=N request_id=dl-N kind=download",
      "sciportals level=info event=retry portal=Testportal operation=fileBytes method=GET path=/files/{id} status=N attempt=N wait_ms=N request_id=dl-N kind=download",
      "sciportals level=debug event=request portal=Testportal operation=fileBytes method=GET path=/files/{id} status=N attempt=N duration_ms=N request_id=dl-N kind=download",
    ]);
    expect(lines[0]!.line).toContain("status=503 attempt=1");
    expect(lines[2]!.line).toContain("status=200 attempt=2");
    expect(hooks.calls.map((c) => `${c.hook}:${c.info.kind}:${c.info.attempt}`)).toEqual([
      "onRequest:download:1",
      "onResponse:download:1",
      "onRetry:download:1",
      "onRequest:download:2",
      "onResponse:download:2",
    ]);
  });
});

describe("secrets", () => {
  it("never shows an API key or a bearer token the server echoes, in a log line or a hook's argument", async () => {
    const token = "tok-abcdef123456";
    // The server echoes every credential it gets: in the request id, in the error body.
    const s = await server((req, res, i) => {
      const echoed = `${req.headers["x-api-key"] ?? ""}|${req.headers.authorization ?? ""}`;
      const status = i % 2 === 0 ? 500 : 200;
      json(res, status, { message: `bad ${echoed}` }, { "x-request-id": `id-${echoed}` });
    });
    const { logger, lines } = memoryLogger();
    const hooks = recordingHooks();
    const bearer: Credential = { get: () => ({ header: "Authorization", value: `Bearer ${token}` }) };

    const withKey = testClient(s.url, { ...fast, logger, ...hooks });
    await withKey.getThing({ path: { id: "A1" } }); // 500, retried, then 200
    const withToken = testClient(s.url, { ...fast, logger, ...hooks, credentials: { key: bearer } });
    const error = await withToken.getThing({ path: { id: "A1" }, maxRetries: 0 }).catch((e: unknown) => e);

    expect(s.requests.map((r) => r.headers["x-api-key"] ?? r.headers.authorization)).toContain(
      "secret-key-123",
    );
    expect(s.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${token}`);
    expect(error).toBeInstanceOf(ServerError);
    expect(lines).toHaveLength(4); // 500, retry, 200; then the token client's 500
    expect(hooks.calls.some((c) => c.hook === "onRetry")).toBe(true);
    // The echoed id is there, scrubbed, so the check below looks where the secrets would be.
    expect(lines.some((l) => l.line.includes("id-***|"))).toBe(true);
    expect(lines.some((l) => l.line.includes("id-|***"))).toBe(true);
    const everything = JSON.stringify({ lines, calls: hooks.calls });
    expect(everything).not.toContain("secret-key-123");
    expect(everything).not.toContain(token);
    expect(JSON.stringify((error as ServerError).requestId)).not.toContain(token);
  });
});

describe("hooks", () => {
  it("are called in order: onRequest, onResponse, onRetry for each attempt", async () => {
    const s = await flaky();
    const hooks = recordingHooks();
    await testClient(s.url, { ...fast, ...hooks }).getThing({ path: { id: "A1" } });
    expect(hooks.calls.map((c) => `${c.hook}:${c.info.attempt}`)).toEqual([
      "onRequest:1",
      "onResponse:1",
      "onRetry:1",
      "onRequest:2",
      "onResponse:2",
    ]);
    const [request, response, retry] = hooks.calls.map((c) => c.info);
    expect(request).toEqual({
      call: 1,
      portal: "Testportal",
      operationId: "getThing",
      method: "GET",
      path: "/things/{id}",
      attempt: 1,
      kind: "api",
    });
    expect(response).toMatchObject({ status: 503, requestId: "req-1", next: "retry", error: undefined });
    expect(typeof response.durationMs).toBe("number");
    expect(retry).toMatchObject({ status: 503, attempt: 1 });
    expect(retry.waitMs).toBeGreaterThan(0);
    expect(hooks.calls[4]!.info).toMatchObject({ status: 200, requestId: "req-2", next: "accept" });
  });

  it("report a failure without an answer with its code", async () => {
    const s = await server((req) => req.socket.destroy());
    const hooks = recordingHooks();
    await testClient(s.url, { ...hooks, retry: { maxRetries: 0 } })
      .getThing({ path: { id: "A1" } })
      .catch(() => {});
    expect(hooks.calls[1]!.info).toMatchObject({
      status: undefined,
      next: "fail",
      error: { name: "ConnectionError", code: "connection_error" },
    });
  });

  it("that throw or reject do not fail the call, and are reported at warn", async () => {
    const s = await flaky();
    const { logger, lines } = memoryLogger();
    const client = testClient(s.url, {
      ...fast,
      logger,
      onRequest: () => {
        throw new Error("span exporter down");
      },
      onResponse: () => Promise.reject(new Error("async exporter down")),
      onRetry: () => {
        throw new Error("retry hook down");
      },
    });
    await expect(client.getThing({ path: { id: "A1" } })).resolves.toEqual({ id: "A1" });
    await new Promise((resolve) => setImmediate(resolve)); // the rejections are reported when they settle
    const warnings = lines.filter((l) => l.line.includes("event=hook_error"));
    expect(warnings.map((l) => l.level)).toEqual(["warn", "warn", "warn", "warn", "warn"]);
    expect(warnings.map((l) => /hook=(\w+)/.exec(l.line)![1]).sort()).toEqual([
      "onRequest",
      "onRequest",
      "onResponse",
      "onResponse",
      "onRetry",
    ]);
    expect(warnings[0]!.line).toContain("span exporter down");
  });

  it("without a logger, a throwing hook is reported through console.warn", async () => {
    const s = await server((_req, res) => json(res, 200, { id: "A1" }));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const client = testClient(s.url, {
      onResponse: () => {
        throw new Error("boom");
      },
    });
    await expect(client.getThing({ path: { id: "A1" } })).resolves.toEqual({ id: "A1" });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain("onResponse hook threw (ignored): Error: boom");
  });
});

describe("SCIPORTALS_LOG", () => {
  it("turns on a console logger at the level it names, read through the env option", async () => {
    const s = await flaky();
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    await testClient(s.url, { ...fast, env: { SCIPORTALS_LOG: "info" } }).getThing({ path: { id: "A1" } });
    // info: the retry line, not the two request lines at debug.
    expect(printed.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(
        /^sciportals level=info event=retry .*status=503 attempt=1 wait_ms=\d+ request_id=req-1$/,
      ),
    ]);

    printed.mockClear();
    await testClient(s.url, { ...fast, env: { SCIPORTALS_LOG: "DEBUG" } }).getThing({ path: { id: "A1" } });
    expect(printed.mock.calls.map((c) => String(c[0]).split(" ")[2])).toEqual(["event=request"]);
  });

  it("prints nothing when unset or unknown, and yields to a logger passed in", async () => {
    const s = await server((_req, res) => json(res, 200, { id: "A1" }));
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    await testClient(s.url, { env: {} }).getThing({ path: { id: "A1" } });
    await testClient(s.url, { env: { SCIPORTALS_LOG: "verbose" } }).getThing({ path: { id: "A1" } });
    const { logger, lines } = memoryLogger();
    await testClient(s.url, { env: { SCIPORTALS_LOG: "debug" }, logger }).getThing({ path: { id: "A1" } });
    expect(printed).not.toHaveBeenCalled();
    expect(lines).toHaveLength(1);
  });
});
