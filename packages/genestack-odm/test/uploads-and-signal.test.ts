// The generated client against the ODM sandbox: multipart imports through client.upload() (with
// progress, and a connection cut mid-upload), and the signal-data paginators with typed items.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOdmSandbox, type OdmSandbox } from "@sciportals/sandbox";
import {
  ConnectionError,
  createGenestackOdmClient,
  UploadError,
  type GenestackOdmClient,
} from "../src/index.js";

let odm: OdmSandbox;
let client: GenestackOdmClient;
let dir: string;
beforeAll(async () => {
  odm = await startOdmSandbox({
    bigFileBytes: 64 * 1024,
    jobDurations: { startingMs: 50, runningMs: 50, stoppingMs: 50 },
  });
  client = createGenestackOdmClient({ baseUrl: odm.url, apiToken: odm.apiToken, env: false });
  dir = mkdtempSync(join(tmpdir(), "odm-upload-"));
});
afterAll(async () => {
  await odm.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => expect(odm.violations).toEqual([]));

describe("multipart imports", () => {
  it("uploads a file from disk with progress, then waits for the job", async () => {
    const path = join(dir, "samples.tsv");
    const rows = Array.from({ length: 20_000 }, (_, i) => `S${i}\tHomo sapiens`).join("\n");
    writeFileSync(path, `Sample Source ID\tSpecies\n${rows}\n`);
    const progress: number[] = [];
    const result = await client.upload("startImportSamplesMultipart", { body: {} }, path, {
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(result.response.status).toBe("STARTING");
    expect(progress.at(-1)).toBe(result.bytes);
    expect(odm.uploads.at(-1)).toMatchObject({ filename: "samples.tsv", size: result.bytes });
    const done = await client.waitFor(
      "getJobInfo",
      { path: { jobExecId: result.response.jobExecId } },
      { minDelayMs: 20 },
    );
    expect(done.status).toBe("COMPLETED");
  });

  it("attaches a file to a study in one request (the fields before the file)", async () => {
    const study = odm.catalog.studies[0]!.accession;
    const result = await client.upload(
      "startImportFileMultipart",
      { body: { studyAccession: study, dataClass: "Document" } },
      new TextEncoder().encode("%PDF-1.4 notes"),
      { filename: "notes.pdf" },
    );
    expect(result.response.jobExecId).toBeGreaterThan(0);
  });

  it("a connection cut mid-upload is an UploadError, and the POST is not sent again", async () => {
    const uploads = odm.uploads.length;
    const before = odm.requests.length;
    odm.cutNextUpload(100_000);
    const error = await client
      .upload("startImportCellsMultipart", { body: {} }, new Uint8Array(2_000_000), { filename: "cells.tsv" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect((error as UploadError).cause).toBeInstanceOf(ConnectionError);
    expect(odm.requests.length - before).toBe(1); // may have started a job: never resent
    expect(odm.uploads.length).toBe(uploads);
  });
});

describe("signal data", () => {
  it("pages expression items by cursor, typed, every item once", async () => {
    const items = await client.paginate("getExpressionDataAsUser", { query: { pageLimit: 5 } }).toArray();
    expect(items.map((it) => it.itemId)).toEqual(odm.catalog.items.expression.map((it) => it.itemId));
    const first = items[0]!;
    expect(typeof first.itemOrigin?.runId).toBe("string");
  });

  it("pages variants and flow cytometry the same way", async () => {
    const variants = await client.paginate("getAllVariantsAsUser", { query: { pageLimit: 7 } }).toArray();
    expect(variants).toHaveLength(odm.catalog.items.variant.length);
    expect(typeof variants[0]!.variant?.chrom).toBe("string");
    const flow = await client.paginate("getFlowCytometryDataAsUser", { query: { pageLimit: 7 } }).toArray();
    expect(flow).toHaveLength(odm.catalog.items["flow-cytometry"].length);
  });
});
