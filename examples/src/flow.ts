/**
 * The Flow quick start: log in, upload a sample's reads in chunks with a progress bar, run a
 * pipeline on it, wait for the execution, download its results.
 */
import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { FlowClient } from "@sciportals/flow";
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
  console.log(
    `Uploaded ${uploaded.bytes} bytes in ${uploaded.chunks} chunks: data ${uploaded.uploadId}, sample ${sampleId}`,
  );

  // 2. Run a pipeline on it and wait for the execution.
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

  // 3. Download its results.
  const destination = join(options.outDir, "results.zip");
  const result = await flow.download(
    "downloadExecutionResults",
    { path: { executionId: String(execution.id), filename: "results.zip" } },
    destination,
  );
  console.log(`Downloaded ${destination}: ${result.size} bytes`);
}
