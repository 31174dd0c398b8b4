/**
 * Run by Deno and Bun (not Node) from the test: the STOmics quick start and a chunked Flow upload
 * through the BUILT packages, as a user of the npm packages gets them. Input: one JSON argument
 * (so Deno needs no --allow-env); output: one JSON line on stdout for the test to check.
 */
import { NotFoundError, PortalError } from "@sciportals/core";
import { createFlowClient } from "@sciportals/flow";
import { createStomicsClient } from "@sciportals/stomics";

/** What the test passes in. */
export interface ScenarioInput {
  stomics: { url: string; apiKey: string };
  flow: { url: string; apiKey: string };
  /** Where the STOmics file is downloaded to (the directory exists). */
  downloadTo: string;
  /** The file the Flow upload reads. */
  uploadFrom: string;
  /** The clients' `proxy` option, when set. */
  proxy?: string;
}

/** What the script prints. */
export interface ScenarioOutput {
  runtime: string;
  stomics: {
    firstPage: { total: number; accessions: string[] };
    walked: { count: number; distinct: number };
    download: { accession: string; fileId: number; path: string; size: number; catalogSize: number | null };
    notFound: { sameClassAsCore: boolean; status: number | undefined };
  };
  flow: { uploadId: string | undefined; bytes: number; chunks: number };
}

const runtime = (globalThis as { Deno?: { version: { deno: string } } }).Deno
  ? `deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : (globalThis as { Bun?: { version: string } }).Bun
    ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
    : `node ${process.version}`;
const args: string[] = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);

async function main(input: ScenarioInput): Promise<ScenarioOutput> {
  const stomics = createStomicsClient({
    baseUrl: input.stomics.url,
    apiKey: input.stomics.apiKey,
    env: false,
    proxy: input.proxy,
  });

  // 1. A typed call with filters and sort (the quick start's first step).
  const page = await stomics.listDatasets({
    query: {
      q: "brain",
      technology_ids: [1],
      sort_by: "download_count",
      sort_order: "desc",
      page: 1,
      per_page: 5,
    },
  });

  // 2. Every match, page after page.
  const seen = new Set<string>();
  let count = 0;
  for await (const dataset of stomics.paginate("listDatasets", { query: { q: "brain", per_page: 20 } })) {
    count++;
    seen.add(dataset.accession);
  }

  // 3. A dataset's files, and one downloaded to a file through its pre-signed URL.
  const accession = page.items[0]!.accession;
  const files = await stomics.listDatasetFiles({ path: { accession } });
  const file = files.find((f) => f.file_type === "h5ad") ?? files[0]!;
  const result = await stomics.download(
    "getDatasetFileDownloadUrl",
    { path: { accession, file_id: file.id } },
    input.downloadTo,
    { overwrite: true },
  );

  // 4. A failure arrives as core's error class (one copy of core in this runtime's module graph).
  let notFound: ScenarioOutput["stomics"]["notFound"] = { sameClassAsCore: false, status: undefined };
  try {
    await stomics.getDataset({ path: { accession: "STD9999999" } });
  } catch (error) {
    notFound = { sameClassAsCore: error instanceof NotFoundError, status: (error as PortalError).status };
  }

  // 5. A chunked Flow upload from a file path.
  const flow = createFlowClient({
    baseUrl: input.flow.url,
    token: input.flow.apiKey,
    env: false,
    proxy: input.proxy,
  });
  const uploaded = await flow.upload("uploadData", {}, input.uploadFrom);

  return {
    runtime,
    stomics: {
      firstPage: { total: page.total, accessions: page.items.map((d) => d.accession) },
      walked: { count, distinct: seen.size },
      download: {
        accession,
        fileId: file.id,
        path: result.path,
        size: result.size,
        catalogSize: file.size_bytes,
      },
      notFound,
    },
    flow: { uploadId: uploaded.uploadId, bytes: uploaded.bytes, chunks: uploaded.chunks },
  };
}

try {
  console.log(JSON.stringify(await main(JSON.parse(args[0]!) as ScenarioInput)));
} catch (error) {
  // The test shows this: which class, which code, what the runtime said.
  const e = error as PortalError & { cause?: unknown };
  console.error(`${runtime}: ${e?.name} ${e?.code ?? ""}: ${e?.message}`);
  if (e?.cause) console.error("cause:", e.cause);
  if (e?.stack) console.error(e.stack);
  (globalThis as { process?: { exitCode?: number } }).process!.exitCode = 1;
}
