// Issue 13, class 8: paginators always end, without handing the caller an item twice.
import { afterEach, describe, expect, it } from "vitest";
import { PaginationLoopError } from "../../src/index.js";
import { json, startServer, type TestServer } from "../helpers.js";
import { testClient } from "../portal.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function collect(iterable: AsyncIterable<{ id: number }>) {
  const items: number[] = [];
  let error: unknown;
  try {
    for await (const item of iterable) items.push(item.id);
  } catch (e) {
    error = e;
  }
  return { items, error };
}

describe("paginators that would loop", () => {
  it("a server that ignores the page parameter: one page of items, then PaginationLoopError", async () => {
    const server = await startServer((_req, res) =>
      json(res, 200, { items: [{ id: 1 }, { id: 2 }], total: 100 }),
    );
    servers.push(server);
    const { items, error } = await collect(
      testClient(server.url).paginate("listThings", { query: { size: 2 } }, { prefetch: false }),
    );
    expect(items).toEqual([1, 2]);
    expect(error).toBeInstanceOf(PaginationLoopError);
    expect((error as PaginationLoopError).code).toBe("pagination_loop");
    expect((error as PaginationLoopError).operationId).toBe("listThings");
    expect((error as PaginationLoopError).message).toMatch(/listThings sent the same page twice \("2"\)/);
    expect(server.requests.map((r) => r.url)).toEqual(["/things?size=2", "/things?size=2&page=2"]);
  });

  it("a cursor that comes back: the pages up to it, then PaginationLoopError naming the cursor", async () => {
    const pages: Record<string, { data: { id: number }[]; cursor: string }> = {
      start: { data: [{ id: 1 }], cursor: "A" },
      A: { data: [{ id: 2 }], cursor: "B" },
      B: { data: [{ id: 3 }], cursor: "A" },
    };
    const server = await startServer((req, res) => {
      const cursor = new URL(req.url!, "http://x").searchParams.get("cursor") ?? "start";
      json(res, 200, pages[cursor]);
    });
    servers.push(server);
    const { items, error } = await collect(testClient(server.url).paginate("listByCursor"));
    expect(items).toEqual([1, 2, 3]);
    expect(error).toBeInstanceOf(PaginationLoopError);
    expect((error as PaginationLoopError).details).toEqual({ repeated: "A" });
    expect((error as PaginationLoopError).message).toMatch(/listByCursor .*"A"/);
    expect(server.requests).toHaveLength(3); // the repeated cursor is never requested
  });

  it("a cursor that repeats itself ends at once with no duplicate", async () => {
    const server = await startServer((_req, res) => json(res, 200, { data: [{ id: 7 }], cursor: "same" }));
    servers.push(server);
    const { items, error } = await collect(testClient(server.url).paginate("listByCursor"));
    expect(items).toEqual([7]);
    expect(error).toBeInstanceOf(PaginationLoopError);
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  it("a page without its item array is a typed error, not a TypeError", async () => {
    const server = await startServer((_req, res) => json(res, 200, { results: [] }));
    servers.push(server);
    const { error } = await collect(testClient(server.url).paginate("listThings"));
    expect(error).toMatchObject({
      name: "UnexpectedResponseError",
      code: "invalid_page",
      operationId: "listThings",
    });
  });
});
