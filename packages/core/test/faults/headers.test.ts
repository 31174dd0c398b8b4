// Issue 13, class 13: a header value with CR, LF or NUL is refused before anything is sent.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createPortalClient, ValidationError, type PortalClientOptions } from "../../src/index.js";
import { json, startServer, type TestServer } from "../helpers.js";
import { testClient, testDefinition } from "../portal.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function refused(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).code).toBe("invalid_header_value");
  return error as ValidationError;
}

describe("header injection", () => {
  it("is refused for named operations, path-based calls, head() and download(), with no request sent", async () => {
    const server = await startServer((_req, res) =>
      json(res, 200, { id: "T1", url: "http://127.0.0.1:1/x" }),
    );
    servers.push(server);
    const client = testClient(server.url);
    const evil = { "X-Trace": "abc\r\nX-Injected: 1" };
    const error = await refused(client.getThing({ path: { id: "T1" }, headers: evil }));
    expect(error.message).toContain('"X-Trace"');
    expect(error.message).not.toContain("X-Injected");
    await refused(client.createThing({ body: {}, headers: { "X-Nul": "a\0b" }, maxRetries: 5 }));
    await refused(
      (client as any).GET("/things/{id}", { params: { path: { id: "T1" } }, headers: { "X-Lf": "a\nb" } }),
    );
    await refused(client.head("headFile", { path: { id: 1 }, headers: evil }));
    const dir = mkdtempSync(join(tmpdir(), "inject-"));
    try {
      await refused(client.download("fileBytes", { path: { id: 1 }, headers: evil }, join(dir, "f")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(server.requests).toHaveLength(0);
  });

  it("is refused in client headers and in an API key (whose value is not shown)", async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    servers.push(server);
    expect(() =>
      createPortalClient(testDefinition(server.url), {
        headers: { "User-Agent": "me\r\nX-Injected: 1" },
        env: false,
      } as PortalClientOptions),
    ).toThrow(ValidationError);
    let error: unknown;
    try {
      createPortalClient(testDefinition(server.url), {
        apiKey: "key-abcdef\r\nX-Injected: 1",
        env: false,
      } as PortalClientOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe("invalid_header_value");
    expect(String((error as Error).message)).not.toContain("key-abcdef");
    expect(server.requests).toHaveLength(0);
  });
});
