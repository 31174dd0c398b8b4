import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFlowSandbox, type FlowSandbox } from "@sciportals/sandbox";
import {
  AuthenticationError,
  createFlowClient,
  memoryTokenStore,
  UploadError,
  ValidationError,
  WaiterError,
  type FlowClient,
  type UploadCheckpoint,
} from "../src/index.js";

const MiB = 1 << 20;
/** flowbio v2's chunk size, which the spec follows. */
const CHUNK = 1_000_000;
let flow: FlowSandbox;
let dir: string;
const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
/** Deterministic FASTQ-like bytes. */
function reads(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = "ACGT\n@+"[(x >>> 16) % 7]!.charCodeAt(0);
  }
  return out;
}

beforeAll(async () => {
  flow = await startFlowSandbox({ executionDurations: { pendingMs: 100, runningMs: 200 }, samples: 30 });
});
afterAll(() => flow.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flow-"));
});
afterEach(() => {
  flow.setAccessTokenTtl(30 * 60_000);
  flow.faults.clear();
  rmSync(dir, { recursive: true, force: true });
  expect(flow.violations).toEqual([]);
});

const withKey = (): FlowClient =>
  createFlowClient({ baseUrl: flow.url, token: flow.apiKey, env: false, retry: { initialDelayMs: 5 } });
const withLogin = (extra: Record<string, unknown> = {}): FlowClient =>
  createFlowClient({
    baseUrl: flow.url,
    username: flow.username,
    password: flow.password,
    env: false,
    retry: { initialDelayMs: 5 },
    ...extra,
  });

describe("chunked uploads", () => {
  it("uploads a file that arrives byte-identical, chunk by chunk", async () => {
    const data = reads(5 * MiB + 123);
    const path = join(dir, "reads_R1.fastq");
    writeFileSync(path, data);
    const progress: number[] = [];
    const result = await withKey().upload("uploadData", {}, path, {
      onProgress: (p) => progress.push(p.bytes),
    });
    const stored = flow.upload(result.uploadId!)!;
    expect(stored.complete).toBe(true);
    expect(stored.sha256).toBe(sha(data));
    expect(stored.offsets).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * CHUNK));
    expect(result.chunks).toBe(6);
    expect(progress.at(-1)).toBe(data.length);
  });

  it("pairs multiplexed reads: the second file names the first in reads1", async () => {
    const client = withKey();
    const first = await client.upload("uploadMultiplexed", {}, reads(200_000, 5), {
      filename: "plex_R1.fastq",
    });
    const second = await client.upload(
      "uploadMultiplexed",
      { body: { reads1: first.uploadId! } },
      reads(150_000, 6),
      {
        filename: "plex_R2.fastq",
      },
    );
    const data = await client.getData({ path: { dataId: second.uploadId! } });
    expect(data.paired).toMatchObject({ id: first.uploadId, filename: "plex_R1.fastq" });
  });

  it("uploads a paired-end sample: reads1, then reads2 listing it in previous_data", async () => {
    const client = withKey();
    const sample = {
      sample_name: "paired_liver",
      sample_type: "RNA-Seq",
      organism: "Hs",
      strandedness: "reverse",
    };
    const first = await client.upload(
      "uploadSample",
      { body: { ...sample, is_last_sample: false } },
      reads(MiB + 17, 3),
      { filename: "paired_R1.fastq" },
    );
    expect(first.response.sample_id ?? null).toBeNull();
    const second = await client.upload(
      "uploadSample",
      { body: { ...sample, is_last_sample: true, previous_data: [first.uploadId!] } },
      reads(MiB - 5, 4),
      { filename: "paired_R2.fastq" },
    );
    const sampleId = second.response.sample_id;
    expect(String(sampleId)).toMatch(/^\d+$/);
    const created = await client.getSample({ path: { sampleId: String(sampleId) } });
    expect(created.name).toBe("paired_liver");
    expect(created.filesets?.[0]?.data?.map((d) => d.filename)).toEqual([
      "paired_R1.fastq",
      "paired_R2.fastq",
    ]);
  });
  it("retries a chunk that fails with 502 and completes", async () => {
    const data = reads(3 * MiB, 2);
    flow.failChunk({ index: 1, status: 502 });
    const result = await withKey().upload("uploadData", {}, data, { filename: "retry.fastq" });
    const stored = flow.upload(result.uploadId!)!;
    expect(stored.sha256).toBe(sha(data));
    expect(stored.offsets).toEqual([0, 1, 2, 3].map((i) => i * CHUNK));
  });

  it("refreshes a token that expires mid-upload, once, and completes", async () => {
    // A session whose access token the server stops accepting after 300 ms, while the client
    // believes it lives longer: the upload meets a 401, refreshes once and carries on.
    const login = await fetch(`${flow.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: flow.username, password: flow.password }),
    });
    const cookie = /flow_refresh_token=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
    const shortLived = flow.issueAccessToken(flow.username, 300);
    const store = memoryTokenStore({
      accessToken: shortLived,
      refreshToken: cookie,
      expiresAt: Date.now() + 3_600_000,
    });
    const client = createFlowClient({ baseUrl: flow.url, tokenStore: store, env: false });
    const data = reads(6 * MiB, 3);
    const refreshesBefore = flow.stats.refreshes;
    // Slow the first chunks so the token expires part-way.
    flow.faults.delayNext(120, 4, (req) => String(req.url).endsWith("/upload"));
    const result = await client.upload("uploadData", {}, data, { filename: "expiring.fastq" });
    expect(flow.stats.refreshes - refreshesBefore).toBe(1);
    expect(flow.upload(result.uploadId!)!.sha256).toBe(sha(data));
  });

  it("resumes an aborted upload without resending acknowledged chunks", async () => {
    const data = reads(5 * MiB, 4);
    const controller = new AbortController();
    let saved: UploadCheckpoint | undefined;
    const error = await withKey()
      .upload("uploadData", {}, data, {
        filename: "resume.fastq",
        signal: controller.signal,
        onCheckpoint: (checkpoint) => {
          saved = checkpoint;
          if (checkpoint.offset === 2 * CHUNK) controller.abort();
        },
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error.checkpoint).toEqual(saved);
    const result = await withKey().upload("uploadData", {}, data, {
      filename: "resume.fastq",
      resumeFrom: saved,
    });
    const stored = flow.upload(result.uploadId!)!;
    expect(stored.offsets).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * CHUNK));
    expect(stored.duplicates).toBe(0);
    expect(stored.sha256).toBe(sha(data));
  });

  it("rejects a filename with spaces before anything is read or sent", async () => {
    const sent = flow.requests.length;
    const error = await withKey()
      .upload("uploadData", {}, reads(10), { filename: "my reads.fastq" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe(
      'Flow: uploadData: body field "filename" must match ^[^ ]+$ (got "my reads.fastq").',
    );
    expect(flow.requests.length).toBe(sent);
  });

  it("uploads a sample's reads with its fields on every chunk", async () => {
    const data = reads(2 * MiB + 5, 5);
    const result = await withKey().upload(
      "uploadSample",
      {
        body: {
          sample_name: "sciportals-test-sample",
          sample_type: "RNA-Seq",
          organism: "Hs",
          project: flow.fixtures.privateProject,
          strandedness: "reverse",
        } as never,
      },
      data,
      { filename: "sample_R1.fastq.gz" },
    );
    expect(result.response).toMatchObject({ sample_id: expect.any(String) });
  });
});

describe("login, paging and clear errors", () => {
  it("logs in, keeps the refresh cookie, and refreshes after the access token expires", async () => {
    flow.setAccessTokenTtl(250);
    const client = withLogin();
    const me = await client.getMe();
    expect(me.username).toBe(flow.username);
    await new Promise((r) => setTimeout(r, 300));
    flow.setAccessTokenTtl(60_000); // the refreshed token lives long: only one expiry is under test
    const before = flow.stats.refreshes;
    await client.getMe();
    expect(flow.stats.refreshes - before).toBe(1);
  });

  it("a wrong password is a clear AuthenticationError", async () => {
    const error = await withLogin({ password: "nope" })
      .getMe()
      .catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("Invalid credentials");
  });

  it("a count over 100 fails before sending", async () => {
    const sent = flow.requests.length;
    await expect(withKey().searchSamples({ query: { count: 101 } })).rejects.toThrow(
      'Flow: searchSamples: query parameter "count" must be between 1 and 100 (got 101).',
    );
    expect(flow.requests.length).toBe(sent);
  });

  it("filters by metadata attributes, sent as top-level query parameters", async () => {
    const client = withKey();
    const all: { id: unknown; metadata?: Record<string, any> }[] = [];
    for await (const sample of client.paginate("searchSamples", {
      query: { count: 100, full_metadata: true },
    }))
      all.push(sample);
    const tissue = (s: (typeof all)[number]) => String(s.metadata?.["tissue"]?.value ?? "");
    const expected = all.filter((s) => tissue(s).toLowerCase().includes("liver")).map((s) => s.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);

    const sent = flow.requests.length;
    const page = await client.searchSamples({
      query: { count: 100, full_metadata: true, metadata: { tissue: "liver" } },
    });
    expect(page.samples.map((s) => s.id)).toEqual(expected);
    const query = new URLSearchParams(flow.requests[sent]!.query);
    expect(query.get("tissue")).toBe("liver");
    expect(query.has("metadata")).toBe(false);

    const without = await client.searchSamples({ query: { count: 100, metadata: { tissue: "false" } } });
    expect(without.samples.length).toBe(all.length - all.filter((s) => tissue(s) !== "").length);

    await expect(client.searchSamples({ query: { metadata: { name: "x" } } })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it("pages through every sample exactly once", async () => {
    const ids: string[] = [];
    for await (const sample of withKey().paginate("searchSamples", { query: { count: 7 } }))
      ids.push(String(sample.id));
    const total = (await withKey().searchSamples({ query: { count: 1 } })).count;
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("pipelines", () => {
  const runBody = () => ({
    params: { strandedness: "reverse" },
    data_params: {},
    csv_params: { input: { rows: [{ sample: flow.fixtures.publicSample }], paired: "both" as const } },
    nextflow_version: "24.04.2",
  });

  it("runs a pipeline, waits for the execution and downloads its output files", async () => {
    const client = withKey();
    const execution = await client.runPipeline({
      path: { versionId: flow.fixtures.rnaseqVersion },
      body: runBody(),
    });
    const done = await client.waitFor(
      "getExecution",
      { path: { executionId: String(execution.id) } },
      { minDelayMs: 50 },
    );
    expect(done.status).toBe("OK");
    const outputs = flow.execution(String(execution.id))!.outputIds;
    expect(outputs.length).toBeGreaterThan(0);
    for (const dataId of outputs) {
      const { filename } = await client.getData({ path: { dataId } });
      const dest = join(dir, filename!);
      await client.download("downloadData", { path: { dataId, filename: filename! } }, dest);
      expect(sha(readFileSync(dest))).toBe(await flow.dataSha256(dataId));
    }
  });

  it("reports a failed execution as a WaiterError", async () => {
    flow.failNextExecution("Process FASTQC failed");
    const client = withKey();
    const execution = await client.runPipeline({
      path: { versionId: flow.fixtures.rnaseqVersion },
      body: runBody(),
    });
    const error = await client
      .waitFor("getExecution", { path: { executionId: String(execution.id) } }, { minDelayMs: 50 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WaiterError);
    expect(error.state).toBe("ERROR");
  });
});

describe("downloads and jobs", () => {
  /** A private file of Alice's (her private sample's first file). */
  const privateFile = () => {
    const sample = flow.store.samples.get(flow.fixtures.privateSample)!;
    const fileset = [...flow.store.filesets.values()].find((f) => f.sampleId === sample.id)!;
    const data = flow.store.data.get(fileset.dataIds[0]!)!;
    return { dataId: data.id, filename: data.filename };
  };

  it("downloads private data with the token in the query (queryToken), kept out of errors", async () => {
    const client = createFlowClient({ baseUrl: flow.url, queryToken: flow.apiKey, env: false });
    const file = privateFile();
    const dest = join(dir, file.filename);
    await client.download("downloadData", { path: file }, dest);
    expect(sha(readFileSync(dest))).toBe(await flow.dataSha256(file.dataId));
    const last = flow.requests.filter((r) => r.path.includes(`/downloads/${file.dataId}/`)).at(-1)!;
    expect(last.query).toContain(`token=${flow.apiKey}`);
    expect(last.hasAuthorization).toBe(false);

    const error = await client
      .download("downloadData", { path: { ...file, filename: "other.fastq.gz" } }, join(dir, "x"))
      .catch((e) => e);
    expect(error.status).toBe(404);
    expect(JSON.stringify(error)).not.toContain(flow.apiKey);
    expect(String(error.message)).not.toContain(flow.apiKey);
  });

  it("restarts a cut download when the server ignores Range, and ends with the right bytes", async () => {
    const file = {
      dataId: flow.fixtures.bigData,
      filename: flow.store.data.get(flow.fixtures.bigData)!.filename,
    };
    flow.faults.cutNext(300_000, 1, (req) => req.url?.includes(`/downloads/${file.dataId}/`) ?? false);
    const dest = join(dir, file.filename);
    const result = await withKey().download("downloadData", { path: file }, dest);
    expect(sha(readFileSync(dest))).toBe(await flow.dataSha256(file.dataId));
    const attempts = flow.requests.filter((r) => r.path.includes(`/downloads/${file.dataId}/`));
    expect(attempts.length).toBe(2);
    expect(attempts[1]!.range).toBe("bytes=300000-");
    expect(result.restarted).toBe(true);
  });

  it("starts a bulk download, waits for it and downloads the tar.gz", async () => {
    const client = withKey();
    const ids = [flow.fixtures.textData, privateFile().dataId];
    const job = await client.startBulkDownload({ body: { data: ids } });
    const polls: string[] = [];
    const ready = await client.waitFor(
      "getBulkDownloadStatus",
      { query: { id: job.id } },
      { minDelayMs: 50, onPoll: (_r, state) => polls.push(String(state)) },
    );
    expect(ready.status).toBe("completed");
    expect(polls.at(-1)).toBe("completed");
    const dest = join(dir, "bulk.tar.gz");
    const result = await client.download("downloadBulkArchive", { path: { jobId: job.id } }, dest);
    expect(result.size).toBe(readFileSync(dest).length);
    expect(readFileSync(dest).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
  });

  it("imports accessions and waits for the job; a failed import is a WaiterError", async () => {
    const client = withKey();
    const job = await client.importSamples({
      body: {
        imports: [{ accession: "ERR1160845", sample_type: "RNA-Seq", metadata: { strandedness: "reverse" } }],
      },
    });
    expect(job.status).toBe("RUNNING");
    const done = await client.waitFor(
      "getSampleImport",
      { path: { jobId: String(job.id) } },
      { minDelayMs: 50 },
    );
    expect(done.status).toBe("COMPLETED");
    expect(done.sample_ids).toHaveLength(1);
    const failing = await client.importSamples({
      body: {
        imports: [{ accession: "ERR9000000", sample_type: "RNA-Seq", metadata: { strandedness: "reverse" } }],
      },
    });
    const error = await client
      .waitFor("getSampleImport", { path: { jobId: String(failing.id) } }, { minDelayMs: 50 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WaiterError);
    expect(error.state).toBe("FAILED");
  });
});
