import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startOdmSandbox, type OdmSandbox } from "@sciportals/sandbox";
import {
  AuthenticationError,
  createGenestackOdmClient,
  MissingCredentialsError,
  NotFoundError,
  ValidationError,
  WaiterError,
  type GenestackOdmClient,
} from "../src/index.js";

const MiB = 1 << 20;
let odm: OdmSandbox;
let client: GenestackOdmClient;
let dir: string;
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

beforeAll(async () => {
  odm = await startOdmSandbox({
    bigFileBytes: 8 * MiB,
    jobDurations: { startingMs: 100, runningMs: 150, stoppingMs: 50 },
  });
});
afterAll(() => odm.close());
beforeEach(() => {
  client = createGenestackOdmClient({
    baseUrl: odm.url,
    apiToken: odm.apiToken,
    env: false,
    retry: { initialDelayMs: 5 },
  });
  dir = mkdtempSync(join(tmpdir(), "odm-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  expect(odm.violations).toEqual([]);
});

describe("ranged, resumable downloads", () => {
  it.each([1, 3 * MiB + 17, 8 * MiB - 1])(
    "resumes a download cut after %i bytes and transfers only the rest",
    async (cut) => {
      const accession = odm.catalog.bigFile;
      const before = odm.bytesServed(accession);
      odm.cutNextDownload(cut, { accession });
      const dest = join(dir, "atlas.h5ad");
      const result = await client.download("getFileAsUser", { path: { id: accession } }, dest);
      const served = odm.bytesServed(accession) - before;
      expect(sha(dest)).toBe(odm.fileContent(accession).sha256());
      expect(served).toBe(result.size);
      expect(served / result.size).toBeLessThanOrEqual(1.001);
      expect(result.attempts).toBe(2);
    },
  );

  it("restarts instead of splicing when the file changed between two calls", async () => {
    const accession = odm.catalog.bigFile;
    const dest = join(dir, "changing.h5ad");
    // A cut at 2 MiB, then a portal that refuses the resume: the call fails and keeps its .part.
    odm.cutNextDownload(2 * MiB, { accession });
    odm.faults.failNext(5, { status: 503, match: (req) => req.headers.range !== undefined });
    await expect(
      client.download("getFileAsUser", { path: { id: accession } }, dest, { maxRetries: 0 }),
    ).rejects.toMatchObject({
      status: 503,
    });
    odm.faults.clear();
    expect(statSync(`${dest}.part`).size).toBe(2 * MiB);
    odm.replaceFile(accession, { size: 5 * MiB });
    const result = await client.download("getFileAsUser", { path: { id: accession } }, dest);
    expect(result.restarted).toBe(true);
    expect(result.size).toBe(5 * MiB);
    expect(sha(dest)).toBe(odm.fileContent(accession).sha256());
  });

  it("a later call resumes the .part a failed one left behind", async () => {
    const [, small] = odm.catalog.files.filter(
      (f) => f.size > MiB && f.accession !== odm.catalog.undownloadableFile,
    );
    const accession = small!.accession;
    const dest = join(dir, "resumed.bin");
    const cut = Math.floor(small!.size / 3);
    odm.cutNextDownload(cut, { accession });
    odm.faults.failNext(5, { status: 503, match: (req) => req.headers.range !== undefined });
    await expect(
      client.download("getFileAsUser", { path: { id: accession } }, dest, { maxRetries: 0 }),
    ).rejects.toMatchObject({
      status: 503,
    });
    odm.faults.clear();
    const onDisk = statSync(`${dest}.part`).size;
    expect(onDisk).toBe(cut);
    const result = await client.download("getFileAsUser", { path: { id: accession } }, dest);
    expect(result.resumed).toBe(true);
    expect(result.transferred).toBe(result.size - onDisk);
    expect(sha(dest)).toBe(odm.fileContent(accession).sha256());
  });

  it("checks size and existence with HEAD before a batch", async () => {
    const info = await client.head("headFileAsUser", { path: { id: odm.catalog.bigFile } });
    expect(info).toMatchObject({ exists: true, acceptsRanges: true });
    expect(info.size).toBe(odm.fileContent(odm.catalog.bigFile).file.size);
    expect((await client.head("getFileAsUser", { path: { id: "GSF9999999" } })).exists).toBe(false);
  });

  it("refuses a file that cannot be downloaded (406) and leaves nothing", async () => {
    const dest = join(dir, "raw.raw");
    await expect(
      client.download("getFileAsUser", { path: { id: odm.catalog.undownloadableFile } }, dest),
    ).rejects.toMatchObject({ status: 406 });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("streams a TSV export to a file", async () => {
    const dest = join(dir, "expression.tsv");
    await client.download(
      "omicsSearchStreamedExpressionDataAsUser",
      { query: { groupAccession: "GSF2000001" } },
      dest,
    );
    const text = readFileSync(dest, "utf8");
    expect(text.split("\n")[0]).toContain("\t");
    expect(text.split("\n").length).toBeGreaterThan(3);
  });
});

describe("paging", () => {
  it("walks offset pages once, reading the total from meta.pagination", async () => {
    const accessions: string[] = [];
    for await (const sample of client.paginate("searchSamplesAsUser", { query: { pageLimit: 7 } })) {
      accessions.push(String(sample["genestack:accession"]));
    }
    expect(accessions).toHaveLength(odm.catalog.samples.length);
    expect(new Set(accessions).size).toBe(accessions.length);
  });

  it("walks cursor pages once, until resultsExhausted", async () => {
    const first = await client
      .paginate("omicsSearchExpressionDataAsUser", { query: { pageLimit: 50 } })
      .toArray();
    expect(first).toHaveLength(odm.catalog.items.expression.length);
    const ids = first.map((item) => JSON.stringify(item));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("walks the samples linked to a study", async () => {
    const study = odm.catalog.studies[0]!.accession;
    const linked = await client
      .paginate("getSamplesByStudyAsUser", { path: { id: study }, query: { pageLimit: 3 } })
      .toArray();
    const expected = odm.catalog.samples.filter((s) => s.parent === study).map((s) => s.accession);
    expect(expected.length).toBeGreaterThan(3);
    expect(linked.map((s) => s["genestack:accession"]).sort()).toEqual(expected.sort());
    const files = await client.getFilesByStudyAsUser({ path: { id: study } });
    expect(JSON.stringify(files)).toContain(odm.catalog.bigFile);
  });
});

describe("jobs", () => {
  it("starts an import and waits for it to complete", async () => {
    const job = await client.startImportSamples({
      body: { source: "HTTP", metadataLink: "https://data.example.org/run9/samples.tsv" },
    });
    expect(job.status).toBe("STARTING");
    const states: (string | undefined)[] = [];
    const done = await client.waitFor(
      "getJobInfo",
      { path: { jobExecId: job.jobExecId } },
      { minDelayMs: 50, onPoll: (_r, s) => states.push(s) },
    );
    expect(done.status).toBe("COMPLETED");
    expect(states.at(-1)).toBe("COMPLETED");
    expect(states).toContain("RUNNING");
  });

  it("reports a failed job with its state", async () => {
    odm.failNextJob("Column 'Sample Source ID' is missing");
    const job = await client.startImportStudy({
      body: { source: "HTTP", metadataLink: "s3://bucket/study.tsv" },
    });
    const error = await client
      .waitFor("getJobInfo", { path: { jobExecId: job.jobExecId } }, { minDelayMs: 50 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WaiterError);
    expect(error.state).toBe("FAILED");
  });
});

describe("clear errors", () => {
  it("a bad accession is a NotFoundError", async () => {
    await expect(client.getStudyAsUser({ path: { id: "GSF0000000" } })).rejects.toThrow(NotFoundError);
  });

  it("a pageLimit out of range fails before sending", async () => {
    const sent = odm.requests.length;
    await expect(client.searchStudiesAsUser({ query: { pageLimit: 5000 } })).rejects.toThrow(
      new ValidationError(
        'Genestack ODM: searchStudiesAsUser: query parameter "pageLimit" must be between 0 and 2000 (got 5000).',
      ).message,
    );
    expect(odm.requests.length).toBe(sent);
  });

  it("a missing token says how to give one; a wrong one is an AuthenticationError", async () => {
    const anonymous = createGenestackOdmClient({ baseUrl: odm.url, env: false });
    await expect(anonymous.searchStudiesAsUser()).rejects.toThrow(MissingCredentialsError);
    await expect(anonymous.searchStudiesAsUser()).rejects.toThrow(
      /Pass `accessToken` \(or set GENESTACK_ACCESS_TOKEN\), or `apiToken` \(or set GENESTACK_API_TOKEN\)/,
    );
    const wrong = createGenestackOdmClient({ baseUrl: odm.url, apiToken: "gs-nope", env: false });
    await expect(wrong.searchStudiesAsUser()).rejects.toThrow(AuthenticationError);
  });

  it("an access token works as a bearer token too", async () => {
    const bearer = createGenestackOdmClient({ baseUrl: odm.url, accessToken: odm.accessToken, env: false });
    const page = await bearer.searchStudiesAsUser({ query: { pageLimit: 1 } });
    expect(page.data).toHaveLength(1);
  });
});
