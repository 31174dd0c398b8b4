import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../src/index.js";
import { json, startServer, type TestServer } from "./helpers.js";
import { testClient } from "./portal.js";

const ITEMS = Array.from({ length: 23 }, (_, i) => ({ n: i + 1 }));
let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** A server with page, offset and cursor endpoints over the same 23 items. */
async function pagingServer(delayMs = 0) {
  s = await startServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    const answer = (body: unknown) => setTimeout(() => json(res, 200, body), delayMs);
    if (url.pathname === "/things") {
      const page = Number(url.searchParams.get("page") ?? 1);
      const size = Number(url.searchParams.get("size") ?? 10);
      return answer({ total: ITEMS.length, items: ITEMS.slice((page - 1) * size, page * size) });
    }
    if (url.pathname === "/offset") {
      const offset = Number(url.searchParams.get("pageOffset") ?? 0);
      const limit = Number(url.searchParams.get("pageLimit") ?? 2000);
      const data = ITEMS.slice(offset, offset + limit);
      return answer({
        data,
        meta: { pagination: { count: data.length, total: ITEMS.length, offset, limit } },
      });
    }
    if (url.pathname === "/cursor") {
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const limit = Number(url.searchParams.get("pageLimit") ?? 5);
      const data = ITEMS.slice(start, start + limit);
      const end = start + data.length;
      return answer({ data, cursor: String(end), resultsExhausted: end >= ITEMS.length });
    }
    json(res, 404, {});
  });
  return s;
}

const paths = (server: TestServer) => server.requests.map((r) => r.url);

describe("paginate", () => {
  it("walks page-numbered pages exactly once and stops on the total", async () => {
    const server = await pagingServer();
    const seen = [];
    for await (const item of testClient(server.url).paginate("listThings", { query: { size: 10 } }))
      seen.push(item.n);
    expect(seen).toEqual(ITEMS.map((i) => i.n));
    expect(paths(server)).toEqual(["/things?size=10", "/things?size=10&page=2", "/things?size=10&page=3"]);
  });

  it("walks offset pages using meta.pagination.total", async () => {
    const server = await pagingServer();
    const all = await testClient(server.url)
      .paginate("listByOffset", { query: { pageLimit: 7 } })
      .toArray();
    expect(all.map((i: { n: number }) => i.n)).toEqual(ITEMS.map((i) => i.n));
    expect(server.requests).toHaveLength(4);
  });

  it("walks cursor pages until the exhausted flag", async () => {
    const server = await pagingServer();
    const all = await testClient(server.url)
      .paginate("listByCursor", { query: { pageLimit: 10 } })
      .toArray();
    expect(all).toHaveLength(23);
    expect(paths(server)).toEqual([
      "/cursor?pageLimit=10",
      "/cursor?pageLimit=10&cursor=10",
      "/cursor?pageLimit=10&cursor=20",
    ]);
  });

  it("gives pages with continuation tokens that resume where they left off", async () => {
    const server = await pagingServer();
    const client = testClient(server.url);
    const pages = client.paginate("listThings").byPage({ pageSize: 5 });
    const first = (await pages.next()).value;
    await pages.return(undefined);
    expect(first.items.map((i: { n: number }) => i.n)).toEqual([1, 2, 3, 4, 5]);
    expect(first.total).toBe(23);
    expect(first.continuationToken).toBe("2");

    const rest = [];
    for await (const page of client
      .paginate("listThings")
      .byPage({ pageSize: 5, continuationToken: first.continuationToken })) {
      rest.push(...page.items.map((i: { n: number }) => i.n));
    }
    expect(rest).toEqual(ITEMS.slice(5).map((i) => i.n));
  });

  it("resumes cursor pages from a token", async () => {
    const server = await pagingServer();
    const pages = [];
    for await (const page of testClient(server.url)
      .paginate("listByCursor")
      .byPage({ continuationToken: "15", pageSize: 5 })) {
      pages.push(page.items.length);
    }
    expect(pages).toEqual([5, 3]);
  });

  it("fetches the next page while the caller works on the current one", async () => {
    const server = await pagingServer();
    const arrivals: number[] = [];
    let workDone = 0;
    for await (const page of testClient(server.url).paginate("listThings").byPage({ pageSize: 10 })) {
      void page;
      await new Promise((r) => setTimeout(r, 200)); // the caller's work on this page
      arrivals.push(server.requests.length);
      workDone++;
      if (workDone === 1) break;
    }
    // By the time the caller finished page 1, page 2 had already been requested.
    expect(arrivals[0]).toBe(2);
  });

  it("stops fetching when the caller breaks out", async () => {
    const server = await pagingServer(50);
    for await (const item of testClient(server.url).paginate("listThings", { query: { size: 5 } })) {
      if (item.n === 2) break;
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(server.requests.length).toBeLessThanOrEqual(2); // the first page and at most one prefetch
  });

  it("can turn prefetching off", async () => {
    const server = await pagingServer();
    const iterator = testClient(server.url)
      .paginate("listThings", { query: { size: 5 } }, { prefetch: false })
      .byPage();
    await iterator.next();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests).toHaveLength(1);
    await iterator.return(undefined);
  });

  it("checks the page size against the spec before sending", async () => {
    const server = await pagingServer();
    const pages = testClient(server.url).paginate("listThings").byPage({ pageSize: 500 });
    await expect(pages.next()).rejects.toThrow('query parameter "size" must be between 1 and 50 (got 500)');
    expect(server.requests).toHaveLength(0);
  });

  it("rejects a forged continuation token and a non-paginated operation", async () => {
    const server = await pagingServer();
    const client = testClient(server.url);
    await expect(client.paginate("listThings").byPage({ continuationToken: "abc" }).next()).rejects.toThrow(
      ValidationError,
    );
    expect(() => client.paginate("getThing")).toThrow(
      "getThing is not a paginated operation. Paginated ones: listThings, listByOffset, listByCursor.",
    );
  });
});
