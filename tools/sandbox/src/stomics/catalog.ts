/** The STOmics sandbox's fixture catalog: deterministic, so tests can reason about it. */

import { prng } from "../prng.js";

export interface Technology {
  id: number;
  name: string;
}

export interface CatalogFile {
  id: number;
  filename: string;
  file_type: string;
  size_bytes: number | null;
  /** Bytes actually served (a file whose size the catalog does not know still has content). */
  servedSize: number;
  seed: number;
}

export interface CatalogDataset {
  accession: string;
  title: string;
  description: string;
  technology: Technology;
  species: string;
  tissue: string;
  download_count: number;
  release_date: string;
  files: CatalogFile[];
}

export const TECHNOLOGIES: Technology[] = [
  { id: 1, name: "Stereo-seq" },
  { id: 2, name: "Visium" },
  { id: 3, name: "MERFISH" },
  { id: 4, name: "Slide-seq" },
  { id: 5, name: "Xenium" },
  { id: 6, name: "CosMx" },
];

const SPECIES = [
  "Mus musculus",
  "Homo sapiens",
  "Macaca mulatta",
  "Danio rerio",
  "Drosophila melanogaster",
  "Arabidopsis thaliana",
];
const TISSUES = [
  "brain",
  "liver",
  "kidney",
  "heart",
  "lung",
  "embryo",
  "retina",
  "intestine",
  "spleen",
  "tumour",
];
const KINDS = ["atlas", "development time course", "injury response", "cell-type map", "aging series"];

export interface CatalogOptions {
  datasets?: number;
  /** Size of STD0001's large matrix file, generated on the fly. Default 64 MiB. */
  bigFileBytes?: number;
  /**
   * One more dataset, after the others, holding `count` files of `bytes` each (`part-001.bin`…):
   * a bulk download's worth of equal files, for benchmarks. None by default.
   */
  bulkFiles?: { count: number; bytes: number } | undefined;
}

export function buildCatalog(options: CatalogOptions = {}): CatalogDataset[] {
  const count = options.datasets ?? 260;
  const next = prng(20240501);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
  const datasets: CatalogDataset[] = [];
  let fileId = 1;
  for (let i = 1; i <= count; i++) {
    const accession = `STD${String(i).padStart(4, "0")}`;
    const technology = i === 1 ? TECHNOLOGIES[0]! : pick(TECHNOLOGIES);
    const species = i === 1 ? "Mus musculus" : pick(SPECIES);
    const tissue = i === 1 ? "brain" : pick(TISSUES);
    const kind = pick(KINDS);
    const day = Math.floor(next() * 1800);
    const release = new Date(Date.UTC(2021, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
    const files: CatalogFile[] = [];
    const matrixSize =
      i === 1 ? (options.bigFileBytes ?? 64 * 1024 * 1024) : 200_000 + Math.floor(next() * 1_800_000);
    files.push({
      id: fileId++,
      filename: `${accession}_matrix.h5ad`,
      file_type: "h5ad",
      size_bytes: matrixSize,
      servedSize: matrixSize,
      seed: i * 10 + 1,
    });
    if (technology.name === "Stereo-seq" || next() < 0.5) {
      const size = 50_000 + Math.floor(next() * 500_000);
      files.push({
        id: fileId++,
        filename: `${accession}_bin50.gef`,
        file_type: "gef",
        size_bytes: size,
        servedSize: size,
        seed: i * 10 + 2,
      });
    }
    const readme = 1_000 + Math.floor(next() * 4_000);
    // Some catalog entries do not know their size, as the seed's `size_bytes or 0` suggests.
    files.push({
      id: fileId++,
      filename: "README.txt",
      file_type: "text",
      size_bytes: next() < 0.3 ? null : readme,
      servedSize: readme,
      seed: i * 10 + 3,
    });
    datasets.push({
      accession,
      title: `${species.split(" ")[0]} ${tissue} ${technology.name} ${kind}${i === 1 ? "" : ` ${i}`}`,
      description: `${technology.name} ${kind} of ${species} ${tissue}.`,
      technology,
      species,
      tissue,
      // The atlas with the big file is the most downloaded, so searches and demos meet it first.
      download_count: i === 1 ? 9876 : Math.floor(next() * 5000),
      release_date: release,
      files,
    });
  }
  if (options.bulkFiles) datasets.push(bulkDataset(count + 1, fileId, options.bulkFiles));
  return datasets;
}

/** The extra dataset of `bulkFiles`: equal files with ids from `firstId`, after every other file. */
function bulkDataset(
  index: number,
  firstId: number,
  { count, bytes }: { count: number; bytes: number },
): CatalogDataset {
  const accession = `STD${String(index).padStart(4, "0")}`;
  const width = Math.max(3, String(count).length);
  return {
    accession,
    title: `Mus musculus brain Stereo-seq bulk set of ${count} files`,
    description: `${count} files of ${bytes} bytes, for bulk downloads.`,
    technology: TECHNOLOGIES[0]!,
    species: "Mus musculus",
    tissue: "brain",
    download_count: 0,
    release_date: "2021-01-01",
    files: Array.from({ length: count }, (_, i) => ({
      id: firstId + i,
      filename: `part-${String(i + 1).padStart(width, "0")}.bin`,
      file_type: "bin",
      size_bytes: bytes,
      servedSize: bytes,
      seed: 1_000_000 + i, // far from the other datasets' seeds (dataset * 10 + 1..3)
    })),
  };
}
