import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DATASET_DRIFT, startStomicsSandbox, type StomicsSandbox } from "@sciportals/sandbox";
import {
  createStomicsClient,
  ResponseValidationError,
  type Logger,
  type StomicsClientOptions,
} from "../src/index.js";

// Spec drift detection (`validateResponses`) with the generated schemas, against the sandbox:
// its normal answers match the spec exactly, and its drifted getDataset (tools/sandbox/src/stomics/drift.ts)
// is reported place by place.
let sandbox: StomicsSandbox;
beforeAll(async () => {
  sandbox = await startStomicsSandbox({ datasets: 40, bigFileBytes: 1024 * 1024 });
});
afterAll(() => sandbox.close());
afterEach(() => {
  sandbox.setDrift(false);
  sandbox.violations.length = 0;
});

const client = (options: StomicsClientOptions) =>
  createStomicsClient({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, env: false, ...options });

function memoryLogger() {
  const lines: string[] = [];
  const logger: Logger = { debug: () => {}, info: () => {}, warn: (l) => lines.push(l), error: () => {} };
  return { logger, lines };
}

describe("validateResponses against the sandbox", () => {
  it("the sandbox's normal answers match the generated schemas: every read operation, throw mode", async () => {
    const stomics = client({ validateResponses: "throw" });
    let items = 0;
    for await (const dataset of stomics.paginate("listDatasets", { query: { per_page: 15 } })) {
      items++;
      if (items <= 3) await stomics.getDataset({ path: { accession: dataset.accession } });
    }
    const files = await stomics.listDatasetFiles({ path: { accession: "STD0001" } });
    await stomics.getDatasetFileDownloadUrl({ path: { accession: "STD0001", file_id: files[0]!.id } });
    await stomics.getDatasetExpression({ path: { accession: "STD0001" }, query: { gene: "Gfap" } });
    const report = stomics.driftReport();
    expect(report).toMatchObject({ portal: "STOmics", mode: "throw", differences: [] });
    expect(report.checked).toBe(3 + 3 + 3); // three pages, three datasets, files, URL, expression
    expect(sandbox.violations).toEqual([]);
  });

  it("warn: the drifted route's differences are logged once each and listed in the report", async () => {
    sandbox.setDrift(true);
    const { logger, lines } = memoryLogger();
    const stomics = client({ validateResponses: "warn", logger });
    const first = await stomics.getDataset({ path: { accession: "STD0001" } });
    await stomics.getDataset({ path: { accession: "STD0002" } });
    await stomics.listDatasets(); // not drifted
    expect(first).toMatchObject({ name: expect.any(String), download_count: expect.any(String) });
    expect(lines).toEqual([
      'sciportals level=warn event=drift portal=STOmics operation=getDataset status=200 pointer=/title keyword=required expected="required property \\"title\\"" got=missing',
      expect.stringMatching(
        /^sciportals level=warn event=drift portal=STOmics operation=getDataset status=200 pointer=\/download_count keyword=type expected=integer got="string \\"\d+\\""$/,
      ),
    ]);
    const report = stomics.driftReport();
    expect(
      report.differences.map(({ operationId, pointer, keyword }) => ({ operationId, pointer, keyword })),
    ).toEqual(DATASET_DRIFT);
    expect(report.differences.map((d) => d.count)).toEqual([2, 2]);
    expect(report.checked).toBe(3);
  });

  it("throw: the drifted route fails with a ResponseValidationError", async () => {
    sandbox.setDrift(true);
    const stomics = client({ validateResponses: "throw" });
    const error = await stomics.getDataset({ path: { accession: "STD0001" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).differences.map((d) => d.pointer)).toEqual([
      "/title",
      "/download_count",
    ]);
    expect((error as Error).message).not.toContain(sandbox.apiKey);
  });
});
