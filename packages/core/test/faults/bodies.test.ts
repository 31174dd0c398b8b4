// Issue 13, class 7: every response body that is not what the operation declares is a typed error.
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, PortalError, UnexpectedResponseError } from "../../src/index.js";
import { startServer, type TestServer } from "../helpers.js";
import { testClient } from "../portal.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: Parameters<typeof startServer>[0]) {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

async function failure(promise: Promise<unknown>): Promise<PortalError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PortalError);
  return error as PortalError;
}

describe("response bodies that are not JSON", () => {
  it("invalid JSON is an UnexpectedResponseError with status, content type and a snippet", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"id": "T1", "name": ');
    });
    const error = await failure(testClient(server.url).getThing({ path: { id: "T1" } }));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.code).toBe("invalid_json");
    expect(error.status).toBe(200);
    expect((error as UnexpectedResponseError).contentType).toBe("application/json");
    expect((error as UnexpectedResponseError).snippet).toBe('{"id": "T1", "name":');
    expect(error.operationId).toBe("getThing");
    expect(server.requests).toHaveLength(1);
  });

  it("an HTML login page where JSON was declared says so, with the page's title", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!doctype html><html><head><title>Sign in - Example SSO</title></head><body>…</body></html>");
    });
    const error = await failure(testClient(server.url).getThing({ path: { id: "T1" } }));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.code).toBe("html_response");
    expect(error.message).toMatch(/Sign in - Example SSO/);
    expect((error as UnexpectedResponseError).contentType).toMatch(/text\/html/);
    expect(server.requests).toHaveLength(1);
  });

  it("an empty 200 to a GET is not passed off as data", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "0" });
      res.end();
    });
    const error = await failure(testClient(server.url).getThing({ path: { id: "T1" } }));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.code).toBe("empty_body");
    expect(error.status).toBe(200);
  });

  it("a 204 is still an empty success", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    await expect(testClient(server.url).createThing({ body: {} })).resolves.toBeUndefined();
  });

  it("a body cut short (fewer bytes than Content-Length) on a POST is a ConnectionError, sent once", async () => {
    const server = await serve((_req, res) => {
      res.socket!.write(
        'HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"id":"T1",',
      );
      setTimeout(() => res.socket!.destroy(), 20);
    });
    const error = await failure(testClient(server.url).createThing({ body: { name: "x" } }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(TypeError);
    expect(server.requests).toHaveLength(1); // a POST that reached the server is never repeated
  });

  it("chunked encoding cut short on a GET is a ConnectionError, not a TypeError", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id": "T1", "items": [');
      setTimeout(() => res.socket!.destroy(), 20);
    });
    const error = await failure(testClient(server.url).getThing({ path: { id: "T1" }, maxRetries: 0 }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(server.requests).toHaveLength(1);
  });

  it("a GET whose body is cut short is retried like a reset, then fails as a ConnectionError", async () => {
    const server = await serve((_req, res) => {
      res.socket!.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"id"',
      );
      setTimeout(() => res.socket!.destroy(), 20);
    });
    const client = testClient(server.url, { retry: { maxRetries: 2, initialDelayMs: 10 } });
    const error = await failure(client.getThing({ path: { id: "T1" } }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(server.requests).toHaveLength(3);
  });

  it("an error status with a body cut short is still a PortalError", async () => {
    const server = await serve((_req, res) => {
      res.socket!.write(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 90\r\n\r\n{",
      );
      setTimeout(() => res.socket!.destroy(), 20);
    });
    await failure(testClient(server.url).createThing({ body: {} }));
    expect(server.requests).toHaveLength(1);
  });
});
