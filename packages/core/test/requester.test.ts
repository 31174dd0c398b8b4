// The lean requester sends what openapi-fetch's createClient sends and reads answers as it does;
// middleware registered with client.use() runs for path methods and named operations alike.
import createClient from "openapi-fetch";
import { afterEach, describe, expect, it } from "vitest";
import { createRequester } from "../src/requester.js";
import { json, startServer, type TestServer } from "./helpers.js";
import { testClient } from "./portal.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function echoServer(): Promise<TestServer> {
  const server = await startServer((req, res) => {
    const url = req.url ?? "";
    if (url.startsWith("/empty")) return void res.writeHead(204).end();
    if (url.startsWith("/text"))
      return void res.writeHead(200, { "content-type": "text/plain" }).end("plain");
    if (url.startsWith("/fail")) return void res.writeHead(400).end("not json");
    if (url.startsWith("/problem")) return json(res, 422, { detail: "bad" });
    return json(res, 200, { seen: url });
  });
  servers.push(server);
  return server;
}

/** The same calls through openapi-fetch's createClient and through the requester. */
const calls: [string, string, Record<string, any>][] = [
  [
    "GET",
    "/things/{id}",
    { params: { path: { id: "a b/c" }, query: { q: "x&y", tags: ["1", "2"], f: { k: "v" } } } },
  ],
  [
    "GET",
    "/things",
    { params: { query: { n: 1 } }, querySerializer: { array: { style: "form", explode: false } } },
  ],
  [
    "POST",
    "/things",
    { body: { name: "n" }, headers: { "X-Extra": "1" }, params: { header: { "X-P": "p" } } },
  ],
  ["POST", "/things", { body: { a: "1" }, headers: { "Content-Type": "application/x-www-form-urlencoded" } }],
  ["POST", "/things", { body: "raw", bodySerializer: (b: unknown) => `<${String(b)}>` }],
  ["PUT", "/things", { body: { a: 1 }, headers: { "X-Gone": null } }],
  ["DELETE", "/empty", {}],
  ["HEAD", "/things", {}],
  ["GET", "/text", { parseAs: "text" }],
  ["GET", "/fail", {}],
  ["GET", "/problem", {}],
];

describe("createRequester", () => {
  it("sends the requests openapi-fetch's createClient sends and reads the answers as it does", async () => {
    const server = await echoServer();
    const headers = { "User-Agent": "test", "X-Gone": "base" };
    const reference = createClient<any>({ baseUrl: `${server.url}/`, headers });
    const requester = createRequester({ baseUrl: `${server.url}/`, headers });
    for (const [method, path, init] of calls) {
      const expected = await reference.request(method.toLowerCase() as any, path, init);
      const got = await requester.request(method, path, init);
      const [sentByReference, sentByRequester] = server.requests.slice(-2);
      expect(sentByRequester!.url, `${method} ${path}`).toBe(sentByReference!.url);
      expect(sentByRequester!.method).toBe(sentByReference!.method);
      expect(sentByRequester!.body).toBe(sentByReference!.body);
      const pick = (h: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(h).filter(([k]) => !["host", "connection"].includes(k)));
      expect(pick(sentByRequester!.headers)).toEqual(pick(sentByReference!.headers));
      expect(got.data).toEqual(expected.data);
      expect(got.error).toEqual(expected.error);
      expect(got.response.status).toBe(expected.response.status);
    }
  });

  it("runs middleware as openapi-fetch does: onRequest in order, onResponse in reverse, onError", async () => {
    const server = await echoServer();
    const order: string[] = [];
    const requester = createRequester({ baseUrl: server.url });
    const first = {
      onRequest: ({ request, schemaPath }: { request: Request; schemaPath: string }) => {
        order.push(`request 1 ${schemaPath}`);
        return new Request(`${request.url}?tagged=1`, request);
      },
      onResponse: () => void order.push("response 1"),
    };
    const second = {
      onRequest: ({ request }: { request: Request }) =>
        void order.push(`request 2 ${new URL(request.url).search}`),
      onResponse: ({ response }: { response: Response }) => {
        order.push("response 2");
        return new Response(JSON.stringify({ replaced: response.status }), { status: 200 });
      },
    };
    requester.use(first, second);
    const { data } = await requester.request("GET", "/things/{id}", { params: { path: { id: "1" } } });
    expect(data).toEqual({ replaced: 200 });
    expect(order).toEqual(["request 1 /things/{id}", "request 2 ?tagged=1", "response 2", "response 1"]);
    expect(server.requests.at(-1)!.url).toBe("/things/1?tagged=1");

    requester.eject(first, second);
    const answered = { onRequest: () => new Response(JSON.stringify({ cached: true }), { status: 200 }) };
    const count = server.requests.length;
    expect((await requester.request("GET", "/x", { middleware: [answered] })).data).toEqual({ cached: true });
    expect(server.requests).toHaveLength(count);

    const rescue = { onError: () => new Response("{}", { status: 200 }) };
    const failing = () => Promise.reject(new TypeError("fetch failed"));
    expect((await requester.request("GET", "/x", { fetch: failing, middleware: [rescue] })).data).toEqual({});
    await expect(requester.request("GET", "/x", { fetch: failing })).rejects.toThrow("fetch failed");
    expect(() => requester.use({} as any)).toThrow("Middleware must be an object");
  });

  it("serves client.use() for named operations and path methods, below the transport's credentials", async () => {
    const server = await startServer((req, res) =>
      json(res, 200, { id: "T1", key: req.headers["x-api-key"] }),
    );
    servers.push(server);
    const client = testClient(server.url);
    const seen: string[] = [];
    client.use({
      onRequest: ({ request }) => {
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("x-api-key")}`);
      },
    });
    expect(await client.getThing({ path: { id: "T1" } })).toEqual({ id: "T1", key: "secret-key-123" });
    const { data } = await (client as any).GET("/things/{id}", { params: { path: { id: "T2" } } });
    expect(data).toEqual({ id: "T1", key: "secret-key-123" });
    // Middleware sees the request before the transport adds the credential.
    expect(seen).toEqual(["GET /things/T1 null", "GET /things/T2 null"]);
  });
});
