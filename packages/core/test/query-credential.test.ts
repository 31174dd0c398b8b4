import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPortalClient,
  PortalError,
  type PortalClientOptions,
  type PortalDefinition,
} from "../src/index.js";
import { json, startServer, type TestServer } from "./helpers.js";

/** A portal whose API key travels as `?token=` (an OpenAPI apiKey scheme `in: query`), as Flow's downloads take it. */
function definition(baseUrl: string): PortalDefinition {
  return {
    title: "Querytest",
    factory: "createQuerytestClient",
    baseUrl,
    schemes: { token: { header: "token", query: "token", prefix: "", option: "token" } },
    operations: {
      getThing: {
        id: "getThing",
        method: "GET",
        path: "/things/{id}",
        security: [["token"]],
        params: [{ name: "id", in: "path", required: true }],
      },
      getFile: {
        id: "getFile",
        method: "GET",
        path: "/files/{name}",
        security: [["token"]],
        params: [{ name: "name", in: "path", required: true }],
        parseAs: "stream",
        transfer: { direction: "download" },
      },
    },
  };
}

const client = (baseUrl: string) =>
  createPortalClient(definition(baseUrl), {
    token: "q-secret-42",
    env: false,
    retry: { maxRetries: 0 },
  } as PortalClientOptions) as any;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("a credential placed in the query", () => {
  it("goes in the URL of the portal's own requests, and in no header", async () => {
    server = await startServer((req, res) => json(res, 200, { id: "A1" }));
    expect(await client(server.url).getThing({ path: { id: "A1" } })).toEqual({ id: "A1" });
    const [sent] = server.requests;
    expect(new URL(sent!.url, server.url).searchParams.get("token")).toBe("q-secret-42");
    expect(JSON.stringify(sent!.headers)).not.toContain("q-secret-42");
  });

  it("never appears in an error, whose URL is the one built before the credential joined it", async () => {
    server = await startServer((req, res) => json(res, 404, { detail: "no such thing" }));
    const error = await client(server.url)
      .getThing({ path: { id: "B2" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortalError);
    expect(`${String(error)} ${JSON.stringify(error)} ${(error as PortalError).url}`).not.toContain(
      "q-secret-42",
    );
    expect((error as PortalError).url).toBe(`${server.url}/things/B2`);
  });

  it("is sent with a download, and the file lands", async () => {
    server = await startServer((req, res) => {
      const ok = new URL(req.url ?? "", "http://x").searchParams.get("token") === "q-secret-42";
      res.writeHead(ok ? 200 : 404, { "content-length": ok ? "5" : "0" });
      res.end(ok ? "hello" : "");
    });
    const dest = join(await mkdtemp(join(tmpdir(), "query-cred-")), "f.txt");
    await client(server.url).download("getFile", { path: { name: "f.txt" } }, dest);
    expect(await readFile(dest, "utf8")).toBe("hello");
  });
});
