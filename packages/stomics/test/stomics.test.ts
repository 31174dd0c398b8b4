import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStomicsSandbox, type StomicsSandbox } from "@sciportals/sandbox";
import {
  AuthenticationError,
  createStomicsBase,
  createStomicsClient,
  getDataset,
  MissingCredentialsError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnprocessableEntityError,
  ValidationError,
  type ListDatasetsInput,
  type Dataset,
  type StomicsClient,
} from "../src/index.js";

let sandbox: StomicsSandbox;
let client: StomicsClient;
let dir: string;
const fast = { retry: { initialDelayMs: 5, maxDelayMs: 50 } };

beforeAll(async () => {
  sandbox = await startStomicsSandbox({ bigFileBytes: 8 * 1024 * 1024 });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  client = createStomicsClient({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, env: false, ...fast });
  dir = mkdtempSync(join(tmpdir(), "stomics-"));
  sandbox.requests.length = 0;
  sandbox.storage.requests.length = 0;
});
afterEach(() => {
  sandbox.faults.clear();
  sandbox.storage.faults.clear();
  rmSync(dir, { recursive: true, force: true });
  // Every request and response in a test must match the spec.
  expect(sandbox.violations).toEqual([]);
});

describe("the catalog", () => {
  it("lists with a text filter, a technology filter and sort", async () => {
    const page = await client.listDatasets({
      query: {
        q: "brain",
        technology_ids: [1, 2],
        sort_by: "download_count",
        sort_order: "desc",
        per_page: 10,
      },
    });
    const expected = sandbox.catalog.filter(
      (d) =>
        [d.accession, d.title, d.description, d.species, d.tissue].some((f) =>
          f.toLowerCase().includes("brain"),
        ) && [1, 2].includes(d.technology.id),
    );
    expect(page.total).toBe(expected.length);
    expect(page.items.length).toBe(Math.min(10, expected.length));
    expect(page.items.every((d) => [1, 2].includes(d.technology!.id))).toBe(true);
    const counts = page.items.map((d) => d.download_count!);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(sandbox.requests[0]!.query).toContain("technology_ids=1,2");
  });

  it("pages through every dataset exactly once, fetching only the pages needed", async () => {
    const seen: string[] = [];
    for await (const dataset of client.paginate("listDatasets", { query: { per_page: 100 } }))
      seen.push(dataset.accession);
    expect(seen).toHaveLength(sandbox.catalog.length);
    expect(new Set(seen).size).toBe(sandbox.catalog.length);
    expect(sandbox.requests).toHaveLength(Math.ceil(sandbox.catalog.length / 100));
  });

  it("resumes paging from a continuation token", async () => {
    const first = await client
      .paginate("listDatasets", { query: { sort_by: "accession", sort_order: "asc" } })
      .byPage({ pageSize: 50 })
      .next();
    const token = first.value!.continuationToken;
    expect(token).toBe("2");
    const next = await client
      .paginate("listDatasets", { query: { sort_by: "accession", sort_order: "asc" } })
      .byPage({ pageSize: 50, continuationToken: token })
      .next();
    expect(next.value!.items[0]!.accession).toBe("STD0051");
  });

  it("gets a dataset, its files and an expression profile", async () => {
    const dataset = await client.getDataset({ path: { accession: "STD0001" } });
    expect(dataset).toMatchObject({ accession: "STD0001", file_count: 3 });
    const files = await client.listDatasetFiles({ path: { accession: "STD0001" } });
    expect(files.map((f) => f.file_type)).toEqual(["h5ad", "gef", "text"]);
    const expression = await client.getDatasetExpression({
      path: { accession: "STD0001" },
      query: { gene: "Gfap" },
    });
    expect(expression.gene).toBe("Gfap");
    expect(expression.values.length).toBeGreaterThan(0);
  });

  it("works through the lean client and a standalone operation function", async () => {
    const base = createStomicsBase({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, env: false });
    const dataset: Dataset = await getDataset(base, { path: { accession: "STD0002" } });
    expect(dataset.accession).toBe("STD0002");
  });

  it("keeps openapi-fetch's { data, error } style on the path methods", async () => {
    const ok = await client.GET("/api/v1/datasets/{accession}", {
      params: { path: { accession: "STD0003" } },
    });
    expect(ok.data?.accession).toBe("STD0003");
    const missing = await client.GET("/api/v1/datasets/{accession}", {
      params: { path: { accession: "STD9999" } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toEqual({ detail: "Dataset STD9999 not found" });
  });
});

describe("clear errors", () => {
  it("a missing API key fails before sending, naming the option and the variable", async () => {
    const anonymous = createStomicsClient({ baseUrl: sandbox.url, env: false });
    const error = await anonymous.listDatasets().catch((e) => e);
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect(error.message).toBe(
      "STOmics: listDatasets needs a credential. Pass `apiKey` (or set STOMICS_API_KEY) to createStomicsClient(). Generate an API key from your account settings on stomics.io.",
    );
    expect(sandbox.requests).toHaveLength(0);
  });

  it("a wrong API key is an AuthenticationError that does not repeat the key", async () => {
    const wrong = createStomicsClient({ baseUrl: sandbox.url, apiKey: "sk-wrong-secret", env: false });
    const error = await wrong.listDatasets().catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(
      "STOmics: listDatasets failed with 401 Unauthorized: Invalid or missing API key. Check that the credential is valid and not expired.",
    );
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain("sk-wrong-secret");
  });

  it("sends a per_page the docs do not bound, and the portal's refusal is a typed 422", async () => {
    const error = await client.listDatasets({ query: { per_page: 500 } }).catch((e) => e);
    expect(error).toBeInstanceOf(UnprocessableEntityError);
    expect(error.status).toBe(422);
    expect(sandbox.requests.map((r) => new URLSearchParams(r.query).get("per_page"))).toEqual(["500"]);
  });

  it("suggests the known sort fields but sends any other as given", async () => {
    // Type-level: a field the docs do not list still type-checks (an open enum).
    const query: ListDatasetsInput["query"] = { sort_by: "relevance", sort_order: "asc" };
    const error = await client.listDatasets({ query }).catch((e) => e);
    expect(error).toBeInstanceOf(UnprocessableEntityError);
    expect(new URLSearchParams(sandbox.requests.at(-1)!.query).get("sort_by")).toBe("relevance");
  });

  it("an empty accession fails before sending", async () => {
    await expect(client.getDataset({ path: { accession: "" } })).rejects.toThrow(
      'path parameter "accession" must not be empty',
    );
    await expect(client.listDatasetFiles({ path: { accession: "STD0001/../x" } })).rejects.toThrow(
      ValidationError,
    );
    expect(sandbox.requests).toHaveLength(0);
  });

  it("an unknown accession is a NotFoundError with the portal's message", async () => {
    const error = await client.getDataset({ path: { accession: "STD9999" } }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe("STOmics: getDataset failed with 404 Not Found: Dataset STD9999 not found");
  });
});

describe("rate limits and faults", () => {
  it("waits out a 429 with Retry-After and then succeeds", async () => {
    sandbox.faults.failNext(1, { status: 429, retryAfter: 1, body: { detail: "Rate limit exceeded" } });
    const started = Date.now();
    await expect(client.getDataset({ path: { accession: "STD0001" } })).resolves.toMatchObject({
      accession: "STD0001",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sandbox.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it("hits the sandbox's real budget and reports the wait when it is too long to honour", async () => {
    const limited = await startStomicsSandbox({ rateLimit: { limit: 2, windowMs: 60_000 }, datasets: 5 });
    try {
      const c = createStomicsClient({
        baseUrl: limited.url,
        apiKey: limited.apiKey,
        env: false,
        retry: { maxRetryAfterMs: 5_000 },
      });
      await c.getDataset({ path: { accession: "STD0001" } });
      await c.getDataset({ path: { accession: "STD0002" } });
      const error = await c.getDataset({ path: { accession: "STD0003" } }).catch((e) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error.retryAfterMs).toBeGreaterThan(50_000);
      expect(error.message).toMatch(
        /^STOmics: getDataset failed with 429 Too Many Requests: Rate limit exceeded \(retry after \d+ s\)$/,
      );
      expect(limited.requests).toHaveLength(3);
      expect(limited.violations).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it("rides out a burst of 5xx", async () => {
    sandbox.faults.failNext(2, { status: 503 });
    await expect(client.listDatasetFiles({ path: { accession: "STD0002" } })).resolves.toHaveLength(
      sandbox.catalog[1]!.files.length,
    );
    sandbox.faults.failNext(3, { status: 500 });
    await expect(client.listDatasetFiles({ path: { accession: "STD0002" } })).rejects.toThrow(ServerError);
  });

  it("keeps to the portal's budget on the client side when asked", async () => {
    const limited = createStomicsClient({
      baseUrl: sandbox.url,
      apiKey: sandbox.apiKey,
      env: false,
      rateLimit: { limit: 3, intervalMs: 500 },
    });
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => limited.getDataset({ path: { accession: `STD000${i + 1}` } })),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
  });
});

describe("downloads", () => {
  const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

  it("downloads through a pre-signed URL, without credentials, with progress", async () => {
    const dest = join(dir, "matrix.h5ad");
    const progress: { bytes: number; total: number | undefined }[] = [];
    const result = await client.download(
      "getDatasetFileDownloadUrl",
      { path: { accession: "STD0001", file_id: 1 } },
      dest,
      {
        onProgress: (p) => progress.push(p),
      },
    );
    const expected = sandbox.fileContent(1);
    expect(result.size).toBe(expected.file.size);
    expect(sha(dest)).toBe(expected.sha256());
    expect(progress.at(-1)).toMatchObject({ bytes: expected.file.size, total: expected.file.size });
    expect(sandbox.storage.requests).toHaveLength(1);
    expect(sandbox.storage.requests[0]!.hasAuthorization).toBe(false);
    expect(sandbox.requests[0]!.hasAuthorization).toBe(true);
  });

  it("resumes a cut download and transfers each byte once", async () => {
    sandbox.storage.faults.cutNext(3_000_000);
    const dest = join(dir, "cut.h5ad");
    const result = await client.download(
      "getDatasetFileDownloadUrl",
      { path: { accession: "STD0001", file_id: 1 } },
      dest,
    );
    expect(sha(dest)).toBe(sandbox.fileContent(1).sha256());
    const served = sandbox.storage.requests.reduce((sum, r) => sum + r.bytesSent, 0);
    expect(served / result.size).toBeLessThanOrEqual(1.001);
    expect(sandbox.storage.requests[1]!.range).toBe("bytes=3000000-");
  });

  it("an expired pre-signed URL gives a clear error and leaves nothing behind", async () => {
    sandbox.setPresignTtl(-60);
    try {
      const dest = join(dir, "expired.h5ad");
      const error = await client
        .download("getDatasetFileDownloadUrl", { path: { accession: "STD0001", file_id: 2 } }, dest)
        .catch((e) => e);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect(error.message).toMatch(/pre-signed URL .*expired.*clock/);
      expect(error.url).not.toMatch(/Signature=[0-9a-f]/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      sandbox.setPresignTtl(3600);
    }
  });

  it("refuses an existing destination before asking for a URL", async () => {
    const dest = join(dir, "exists.gef");
    await client.download("getDatasetFileDownloadUrl", { path: { accession: "STD0001", file_id: 2 } }, dest);
    sandbox.requests.length = 0;
    await expect(
      client.download("getDatasetFileDownloadUrl", { path: { accession: "STD0001", file_id: 2 } }, dest),
    ).rejects.toThrow("already exists; pass { overwrite: true } to replace it");
    expect(sandbox.requests).toHaveLength(0);
    expect(existsSync(dest)).toBe(true);
  });

  it("a file of another dataset is a NotFoundError and no file appears", async () => {
    const dest = join(dir, "wrong.bin");
    await expect(
      client.download("getDatasetFileDownloadUrl", { path: { accession: "STD0002", file_id: 1 } }, dest),
    ).rejects.toThrow(NotFoundError);
    expect(readdirSync(dir)).toEqual([]);
  });
});
