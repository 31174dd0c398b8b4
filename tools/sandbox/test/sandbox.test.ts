import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chunks,
  etagOf,
  Faults,
  listen,
  serveFile,
  startObjectStore,
  startStomicsSandbox,
  type StomicsSandbox,
} from "../src/index.js";

let stomics: StomicsSandbox;
beforeAll(async () => {
  stomics = await startStomicsSandbox({ datasets: 30, bigFileBytes: 2 * 1024 * 1024 });
});
afterAll(() => stomics.close());
const auth = () => ({ authorization: `Bearer ${stomics.apiKey}` });

describe("spec-driven routing", () => {
  it("answers a request that breaks the spec with the portal's validation error", async () => {
    const res = await fetch(`${stomics.url}/api/v1/datasets?per_page=many&page=zero`, { headers: auth() });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: { loc: string[] }[] };
    expect(body.detail.map((d) => d.loc.join("."))).toEqual(["query.page", "query.per_page"]);
  });

  it("checks credentials before anything else", async () => {
    const res = await fetch(`${stomics.url}/api/v1/datasets`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("serves the fixtures consistently: totals add up across pages", async () => {
    const first = (await (
      await fetch(`${stomics.url}/api/v1/datasets?per_page=20`, { headers: auth() })
    ).json()) as { total: number };
    expect(first.total).toBe(30);
    expect(stomics.violations).toEqual([]);
  });

  it("records (rather than hides) a response that breaks the spec", async () => {
    const { SpecRouter } = await import("../src/spec-router.js");
    const { portalSpec } = await import("../src/portal-spec.js");
    const router = new SpecRouter({
      spec: await portalSpec("stomics"),
      authenticate: () => ({ principal: undefined }),
      errorBody: (_s, message) => ({ detail: message }),
      handlers: { getDataset: () => ({ status: 200, body: { accession: 42 } }) },
    });
    const server = await listen((req, res) => void router.handle(req, res, new URL(req.url!, "http://x")));
    try {
      await (await fetch(`${server.url}/api/v1/datasets/STD0001`)).text();
      expect(router.violations).toHaveLength(1);
      expect(router.violations[0]).toMatchObject({ operationId: "getDataset", status: 200 });
      expect(router.violations[0]!.message).toContain("/accession must be string");
    } finally {
      await server.close();
    }
  });
});

describe("portal specs", () => {
  it("serves the spec with the api's overlay applied, as codegen reads it", async () => {
    const { SpecRouter } = await import("../src/spec-router.js");
    const { loadPortalSpec } = await import("../src/portal-spec.js");
    const root = mkdtempSync(join(tmpdir(), "portal-spec-"));
    try {
      mkdirSync(join(root, "specs/stomics"), { recursive: true });
      copyFileSync(
        fileURLToPath(new URL("../../../specs/stomics/openapi.yaml", import.meta.url)),
        join(root, "specs/stomics/openapi.yaml"),
      );
      writeFileSync(
        join(root, "redocly.yaml"),
        "apis:\n  stomics:\n    root: specs/stomics/openapi.yaml\n    x-sciportals-overlay: specs/stomics/overlay.yaml\n",
      );
      const overlay = {
        overlay: "1.0.0",
        info: { title: "Corrections", version: "1.0.0" },
        actions: [
          { target: "$.paths['/api/v1/datasets/{accession}'].get", remove: true },
          {
            target: "$.paths['/api/v1/datasets'].get.parameters[?(@.name == 'per_page')].schema",
            update: { maximum: 10 },
          },
        ],
      };
      writeFileSync(join(root, "specs/stomics/overlay.yaml"), JSON.stringify(overlay));
      const router = new SpecRouter({
        spec: await loadPortalSpec("stomics", root),
        authenticate: () => ({ principal: undefined }),
        errorBody: (_s, message) => ({ detail: message }),
        handlers: {
          getDataset: () => ({ status: 200, body: {} }),
          listDatasets: () => ({ status: 200, body: { items: [], total: 0, page: 1, per_page: 10 } }),
        },
      });
      const server = await listen((req, res) => void router.handle(req, res, new URL(req.url!, "http://x")));
      try {
        expect((await fetch(`${server.url}/api/v1/datasets/STD0001`)).status).toBe(404);
        expect((await fetch(`${server.url}/api/v1/datasets?per_page=20`)).status).toBe(400);
        expect((await fetch(`${server.url}/api/v1/datasets?per_page=10`)).status).toBe(200);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("serveFile", () => {
  const file = { size: 1000, seed: 4 };
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const server = await listen((req, res) => serveFile(req, res, file, new Faults()));
    url = server.url;
    close = server.close;
  });
  afterAll(() => close());

  it.each([
    ["bytes=0-9", 206, "bytes 0-9/1000", 10],
    ["bytes=990-", 206, "bytes 990-999/1000", 10],
    ["bytes=-5", 206, "bytes 995-999/1000", 5],
    ["bytes=995-5000", 206, "bytes 995-999/1000", 5],
  ])("answers Range %s", async (range, status, contentRange, length) => {
    const res = await fetch(url, { headers: { range } });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-range")).toBe(contentRange);
    expect((await res.arrayBuffer()).byteLength).toBe(length);
  });

  it("answers 416 past the end", async () => {
    const res = await fetch(url, { headers: { range: "bytes=1000-" } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe("bytes */1000");
  });

  it("ignores Range when If-Range names another version", async () => {
    const stale = await fetch(url, { headers: { range: "bytes=0-9", "if-range": '"other"' } });
    expect(stale.status).toBe(200);
    const current = await fetch(url, { headers: { range: "bytes=0-9", "if-range": etagOf(file) } });
    expect(current.status).toBe(206);
  });
});

describe("the pre-signed object store", () => {
  it("accepts its own signature, and refuses a tampered one, an expired one and an Authorization header", async () => {
    const store = await startObjectStore(new Faults());
    try {
      store.put("b/k.bin", { size: 100, seed: 1 });
      const good = store.sign("b/k.bin", 60);
      expect((await fetch(good)).status).toBe(200);
      // Change the signature's first digit (to another digit: the key is random, so it may be "0").
      const tampered = good.replace(
        /Signature=([0-9a-f])/,
        (_, d: string) => `Signature=${d === "0" ? "1" : "0"}`,
      );
      expect(tampered).not.toBe(good);
      expect((await fetch(tampered)).status).toBe(403);
      const expired = await fetch(store.sign("b/k.bin", 1, Date.now() - 10_000));
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain("Request has expired");
      const both = await fetch(good, { headers: { authorization: "Bearer x" } });
      expect(both.status).toBe(400);
      expect(await both.text()).toContain("Only one auth mechanism allowed");
    } finally {
      await store.close();
    }
  });
});

describe("the STOmics bulk dataset", () => {
  it("adds one dataset of equal, distinct files after the others, listed and served at their size", async () => {
    const bulk = await startStomicsSandbox({
      datasets: 5,
      bigFileBytes: 1024,
      bulkFiles: { count: 3, bytes: 4096 },
    });
    try {
      const headers = { authorization: `Bearer ${bulk.apiKey}` };
      expect(bulk.catalog.map((d) => d.accession)).toEqual([
        "STD0001",
        "STD0002",
        "STD0003",
        "STD0004",
        "STD0005",
        "STD0006",
      ]);
      const listed = (await (
        await fetch(`${bulk.url}/api/v1/datasets/STD0006/files`, { headers })
      ).json()) as {
        id: number;
        filename: string;
        size_bytes: number;
      }[];
      expect(listed.map((f) => [f.filename, f.size_bytes])).toEqual([
        ["part-001.bin", 4096],
        ["part-002.bin", 4096],
        ["part-003.bin", 4096],
      ]);
      // Ids follow every other file's; no id is shared.
      const otherIds = bulk.catalog.slice(0, 5).flatMap((d) => d.files.map((f) => f.id));
      expect(Math.min(...listed.map((f) => f.id))).toBe(Math.max(...otherIds) + 1);
      const bodies = await Promise.all(
        listed.map(async (f) => {
          const res = await fetch(`${bulk.url}/api/v1/datasets/STD0006/files/${f.id}/download`, { headers });
          const { url } = (await res.json()) as { url: string };
          return Buffer.from(await (await fetch(url)).arrayBuffer());
        }),
      );
      expect(bodies.map((b) => b.length)).toEqual([4096, 4096, 4096]);
      expect(bodies[0]!.equals(bodies[1]!)).toBe(false);
      expect(bodies.map((b, i) => b.equals(Buffer.concat([...chunksOf(bulk, listed[i]!.id)])))).toEqual([
        true,
        true,
        true,
      ]);
    } finally {
      await bulk.close();
    }
  });
});

function chunksOf(sandbox: StomicsSandbox, id: number): Buffer[] {
  const { file } = sandbox.fileContent(id);
  return [...chunks(file, 0, file.size)];
}
