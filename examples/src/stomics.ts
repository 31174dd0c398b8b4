/**
 * The STOmics quick start (seed 000) in TypeScript: search the catalog with filters and sort,
 * page through every match, list a dataset's files, download one with a progress bar, check it.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { createStomicsClient, type StomicsClient, type DatasetFile } from "@sciportals/stomics";
import { progressBar } from "./progress.js";

export interface QuickstartOptions {
  /** Where to save the downloaded file. */
  outDir: string;
  /** Which of the dataset's files to download. */
  pickFile: (files: DatasetFile[]) => DatasetFile | undefined;
}

export async function runStomicsQuickstart(
  stomics: StomicsClient,
  options: QuickstartOptions,
): Promise<void> {
  // 1. List datasets with filters and sort.
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
  console.log(`Found ${page.total} Stereo-seq datasets about "brain"; the 5 most downloaded:`);
  for (const dataset of page.items) {
    console.log(
      `  ${dataset.accession}  ${dataset.title.padEnd(56)} ${String(dataset.download_count ?? 0).padStart(5)} downloads`,
    );
  }

  // 2. Page through all matches: the iterator fetches page after page (and the next one early).
  let count = 0;
  const species = new Map<string, number>();
  for await (const dataset of stomics.paginate("listDatasets", { query: { q: "brain", per_page: 20 } })) {
    count++;
    species.set(dataset.species ?? "unknown", (species.get(dataset.species ?? "unknown") ?? 0) + 1);
  }
  const bySpecies = [...species].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`);
  console.log(`Paged through all ${count} "brain" datasets, any technology: ${bySpecies.join(", ")}`);

  // 3. A dataset's files.
  const accession = page.items[0]?.accession;
  if (!accession) return;
  const files = await stomics.listDatasetFiles({ path: { accession } });
  console.log(`Files of ${accession}:`);
  for (const f of files) {
    const size = f.size_bytes === null ? "size unknown" : `${(f.size_bytes / 1_000_000).toFixed(1)} MB`;
    console.log(`  [${f.file_type.padEnd(5)}] ${f.filename.padEnd(24)} (${size})`);
  }

  // 4. Download one through its pre-signed URL, with progress; then check its size.
  const file = options.pickFile(files);
  if (!file) return;
  const destination = join(options.outDir, file.filename);
  const bar = progressBar(file.filename);
  const result = await stomics.download(
    "getDatasetFileDownloadUrl",
    { path: { accession, file_id: file.id } },
    destination,
    { overwrite: true, onProgress: (p) => bar.update(p) },
  );
  bar.done();
  const onDisk = (await stat(destination)).size;
  const matches = file.size_bytes === null || onDisk === file.size_bytes;
  console.log(
    `Downloaded ${destination}: ${onDisk} bytes on disk, ${file.size_bytes ?? "unknown"} in the catalog ${matches ? "(sizes match)" : "(SIZE MISMATCH)"}`,
  );
  if (!matches) throw new Error(`${file.filename}: expected ${file.size_bytes} bytes, found ${onDisk}`);
}

export { createStomicsClient };
