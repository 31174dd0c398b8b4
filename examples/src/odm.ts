/**
 * The Genestack ODM quick start: search studies, list a study's files, download one across a
 * dropped connection and resume it, then run an import job and wait for it.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { AbortError, type GenestackOdmClient } from "@sciportals/genestack-odm";
import { progressBar } from "./progress.js";

export interface OdmQuickstartOptions {
  outDir: string;
  /** Sandbox only: cut the download's connection after this many bytes (the client resumes it). */
  forceCut?: (accession: string, afterBytes: number) => void;
  /** A metadata file the portal can fetch, to start an import job; no job is run without it. */
  importMetadataLink?: string | undefined;
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export async function runOdmQuickstart(
  odm: GenestackOdmClient,
  options: OdmQuickstartOptions,
): Promise<void> {
  // 1. Search studies.
  const studies = await odm.searchStudiesAsUser({ query: { pageLimit: 5 } });
  console.log(`${studies.meta.pagination.total} studies; the first ${studies.data.length}:`);
  for (const study of studies.data)
    console.log(`  ${study["genestack:accession"]}  ${String(study["Study Title"] ?? "")}`);

  // 2. Files attached to the first study, and its samples (all pages).
  const study = String(studies.data[0]?.["genestack:accession"] ?? "");
  if (!study) return;
  const files = (await odm.getFilesByStudyAsUser({ path: { id: study } })) as Record<string, unknown>[];
  const samples = await odm
    .paginate("getSamplesByStudyAsUser", { path: { id: study }, query: { pageLimit: 20 } })
    .toArray();
  console.log(`Study ${study}: ${samples.length} samples, ${files.length} files`);
  const nameOf = (file: Record<string, unknown>) =>
    String(file["name"] ?? file["genestack:name"] ?? file["genestack:accession"]);
  for (const file of files) console.log(`  ${String(file["genestack:accession"])}  ${nameOf(file)}`);

  // 3. Download the largest downloadable file; check it first with HEAD.
  const sized = [];
  for (const file of files) {
    const accession = String(file["genestack:accession"]);
    const head = await odm.head("getFileAsUser", { path: { id: accession } });
    if (head.exists && head.size !== undefined)
      sized.push({ accession, size: head.size, name: nameOf(file) });
  }
  const target = sized.sort((a, b) => b.size - a.size)[0];
  if (!target) return;
  const destination = join(options.outDir, `${target.accession}.bin`);
  // A rerun replaces the file an earlier run verified (and resumes its `.part`, if one was left).
  const overwrite = true;
  if (options.forceCut) {
    // The sandbox drops the connection at 40 %; the client resumes with Range + If-Range.
    options.forceCut(target.accession, Math.floor(target.size * 0.4));
    const bar = progressBar(target.name);
    const result = await odm.download("getFileAsUser", { path: { id: target.accession } }, destination, {
      overwrite,
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    console.log(
      `Connection cut at 40 %; resumed automatically: ${result.attempts} requests, ${mib(result.transferred)} transferred for a ${mib(result.size)} file.`,
    );
  } else {
    // Against a real portal: stop the download at 40 %, then resume it with a second call. A fast
    // server may deliver the whole file before the abort fires: then there is nothing to resume.
    const controller = new AbortController();
    const first = await odm
      .download("getFileAsUser", { path: { id: target.accession } }, destination, {
        overwrite,
        signal: controller.signal,
        onProgress: (p) => p.total && p.bytes > p.total * 0.4 && controller.abort(),
      })
      .catch((error: unknown) => {
        if (error instanceof AbortError) return undefined;
        throw error;
      });
    if (first) {
      console.log(
        `The download finished before the 40 % abort could stop it (${mib(first.size)} in ${first.attempts} request(s)); nothing to resume.`,
      );
    } else {
      const bar = progressBar(target.name);
      const result = await odm.download("getFileAsUser", { path: { id: target.accession } }, destination, {
        overwrite,
        onProgress: (p) => bar.update(p),
      });
      bar.done();
      console.log(
        `Interrupted at 40 % and resumed: the second call transferred ${mib(result.transferred)} of ${mib(result.size)}.`,
      );
    }
  }
  const onDisk = (await stat(destination)).size;
  if (onDisk !== target.size)
    throw new Error(`${target.accession}: expected ${target.size} bytes, found ${onDisk}`);
  console.log(`Verified ${destination}: ${onDisk} bytes, as HEAD announced.`);

  // 4. An import job, waited on until it is done.
  if (!options.importMetadataLink) {
    console.log(
      "(No import job: set GENESTACK_ODM_DEMO_IMPORT_LINK to a metadata TSV the portal can fetch.)",
    );
    return;
  }
  // allow_dups: a rerun of the demo imports the same link again instead of being refused.
  const job = await odm.startImportSamples({
    query: { allow_dups: true },
    body: { source: "HTTP", metadataLink: options.importMetadataLink },
  });
  console.log(`Started import job ${job.jobExecId} (${job.status}); waiting…`);
  const done = await odm.waitFor(
    "getJobInfo",
    { path: { jobExecId: job.jobExecId } },
    {
      minDelayMs: 200,
      onPoll: (_result, state) => console.log(`  job ${job.jobExecId}: ${state}`),
    },
  );
  const output = await odm.getJobOutput({ path: { jobExecId: job.jobExecId } });
  console.log(
    `Job ${done.jobExecId} ${done.status}: ${JSON.stringify((output as { result?: unknown }).result ?? {})}`,
  );
}
