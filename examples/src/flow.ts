/**
 * The Flow quick start: log in, upload a sample's reads in chunks with a progress bar, download
 * them back (checked byte for byte), run a pipeline on the sample, wait for the execution,
 * download its output files, and fetch them again as one bulk archive where the server offers it.
 * Works against any server that answers as Flow does, and again without clean-up: names are
 * fresh per run and downloads overwrite.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { ApiError, type FlowClient } from "@sciportals/flow";
import { progressBar } from "./progress.js";

export interface FlowQuickstartOptions {
  outDir: string;
  /** Size of the generated FASTQ to upload. */
  fastqBytes: number;
  /** The project the sample goes into. */
  project?: string | undefined;
  /** Run a pipeline on the uploaded sample (needs a pipeline version the user may run). */
  pipelineVersion?: string | undefined;
}

/** Writes a FASTQ file of about `bytes` bytes, read by read, without holding it in memory. */
async function writeFastq(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  let written = 0;
  let state = 12345;
  const base = () => "ACGT"[((state = (state * 1103515245 + 12345) >>> 0) >>> 16) & 3];
  for (let n = 1; written < bytes; n++) {
    let sequence = "";
    for (let i = 0; i < 100; i++) sequence += base();
    const record = `@read${n}\n${sequence}\n+\n${"I".repeat(100)}\n`;
    written += record.length;
    if (!out.write(record)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** SHA-256 of a file, streamed. */
async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest("hex");
}

export async function runFlowQuickstart(flow: FlowClient, options: FlowQuickstartOptions): Promise<void> {
  const me = await flow.getMe();
  console.log(`Signed in as ${me.username}`);

  // 1. A sample's reads, uploaded in chunks (each retried on failure; resumable).
  const fastq = join(options.outDir, "demo_R1.fastq");
  await writeFastq(fastq, options.fastqBytes);
  const size = (await stat(fastq)).size;
  const bar = progressBar(`demo_R1.fastq (${(size / 1048576).toFixed(1)} MiB)`);
  const uploaded = await flow.upload(
    "uploadSample",
    {
      body: {
        sample_name: `sciportals-demo-${Date.now()}`,
        sample_type: "RNA-Seq",
        organism: "Hs",
        strandedness: "reverse",
        ...(options.project ? { project: options.project } : {}),
      },
    },
    fastq,
    { onProgress: (p) => bar.update(p) },
  );
  bar.done();
  const sampleId = String(uploaded.response.sample_id);
  const dataId = String(uploaded.uploadId);
  console.log(
    `Uploaded ${uploaded.bytes} bytes in ${uploaded.chunks} chunks: data ${dataId}, sample ${sampleId}`,
  );

  // 2. The same file back, by data ID and exact filename (the download the sources document).
  const copy = join(options.outDir, "demo_R1.copy.fastq");
  await flow.download("downloadData", { path: { dataId, filename: "demo_R1.fastq" } }, copy, {
    overwrite: true,
  });
  if ((await sha256File(copy)) !== (await sha256File(fastq)))
    throw new Error("the downloaded reads differ from the uploaded ones");
  console.log(`Downloaded it back to ${copy}: identical`);

  // 3. Run a pipeline on it and wait for the execution.
  if (!options.pipelineVersion) {
    console.log("(No pipeline run: set FLOW_DEMO_PIPELINE_VERSION to a pipeline version you may run.)");
    return;
  }
  const version = await flow.getPipelineVersion({ path: { versionId: options.pipelineVersion } });
  const nextflow = (version as { nextflow_versions?: string[] }).nextflow_versions?.[0] ?? "24.04.2";
  const execution = await flow.runPipeline({
    path: { versionId: options.pipelineVersion },
    body: {
      params: { strandedness: "reverse" },
      data_params: {},
      csv_params: { input: { rows: [{ sample: sampleId }], paired: "both" } },
      nextflow_version: nextflow,
    },
  });
  console.log(`Started execution ${execution.id}; waiting…`);
  const done = await flow.waitFor(
    "getExecution",
    { path: { executionId: String(execution.id) } },
    {
      minDelayMs: 200,
      onPoll: (_result, state) =>
        console.log(
          `  execution ${execution.id}: ${state === "" ? "pending" : state === "-" ? "running" : state}`,
        ),
    },
  );
  console.log(`Execution ${done.id} finished: ${done.status}`);

  // 4. Its output files: the sample's data that a pipeline made, each downloaded by ID and name.
  const page = await flow.listSampleData({ path: { sampleId }, query: { count: 100 } });
  const outputs = page.data.flatMap((d) =>
    d.pipeline_name && d.id && d.filename ? [{ id: d.id, filename: d.filename }] : [],
  );
  for (const d of outputs) {
    const destination = join(options.outDir, d.filename);
    const result = await flow.download(
      "downloadData",
      { path: { dataId: d.id, filename: d.filename } },
      destination,
      { overwrite: true },
    );
    console.log(`Downloaded ${destination}: ${result.size} bytes`);
  }
  if (outputs.length > 0) await bulkDownload(flow, [dataId, ...outputs.map((d) => d.id)], options.outDir);
}

/** All the files in one archive: a bulk download job, polled until ready. Not every server offers it. */
async function bulkDownload(flow: FlowClient, ids: string[], outDir: string): Promise<void> {
  let job;
  try {
    job = await flow.startBulkDownload({ body: { data: ids } });
  } catch (error) {
    // The job's path is a guess (PROVENANCE.md): a server without it answers 404 or 405.
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
      console.log("(This server has no bulk downloads at POST /downloads; skipped.)");
      return;
    }
    throw error;
  }
  console.log(`Bulk download ${job.id} started; waiting…`);
  await flow.waitFor("getBulkDownloadStatus", { query: { id: job.id } }, { minDelayMs: 200 });
  const destination = join(outDir, "flow-outputs.tar.gz");
  const archive = await flow.download("downloadBulkArchive", { path: { jobId: job.id } }, destination, {
    overwrite: true,
  });
  console.log(`Downloaded ${destination}: ${archive.size} bytes, ${ids.length} files`);
}
