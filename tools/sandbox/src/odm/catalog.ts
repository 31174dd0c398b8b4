/**
 * The ODM sandbox's fixtures: studies with their samples, libraries, preparations, attached files,
 * and indexed expression, variant and flow cytometry data, all linked and deterministic (a seeded
 * PRNG), so tests can reason about them.
 *
 * Accessions are `GSF` plus seven digits, one number range per kind, so the first study is always
 * GSF1000001 and the big file always GSF3000001.
 */

import { prng } from "../prng.js";

export type ObjectKind = "study" | "sample" | "library" | "preparation";
export type GroupKind =
  "sample" | "library" | "preparation" | "expression" | "variant" | "flow-cytometry" | "cells";
export type Attrs = Record<string, unknown>;

export interface ObjectVersion {
  version: string;
  author: string;
  message: string;
  timestamp: number;
  attrs: Attrs;
}

/** A study, sample, library or preparation. `attrs` may hold null attributes (template gaps). */
export interface MetaObject {
  accession: string;
  kind: ObjectKind;
  /** The current version's attributes, including `genestack:accession` (and `groupId` when grouped). */
  attrs: Attrs;
  versions: ObjectVersion[];
  created: number;
  updated: number;
  /** What `sort=name` sorts by. */
  name: string;
  /** The study (for samples), the sample (for libraries and preparations). */
  parent?: string;
  group?: string;
}

export interface DataGroup {
  accession: string;
  kind: GroupKind;
  study?: string;
  attrs: Attrs;
}

export interface Run {
  accession: string;
  group: string;
  sample?: string;
  runSourceId: string;
}

/** One data point in the `multi_values` format. */
export interface DataItem {
  itemId: string;
  itemOrigin: { runSourceId: string; runId: string; groupId: string };
  metadata: Attrs;
  relationships: Record<string, string>;
  feature?: Record<string, unknown>;
  value?: Record<string, number | string | null>;
  variant?: {
    chrom: string;
    pos: number;
    id: string[];
    ref: string;
    alt: string[];
    qual: number;
    filter: string[];
    info: Record<string, (string | number)[]>;
  };
  genotype?: Record<string, string>;
}

export type ContentsKind = "hdf5" | "zip" | "gzip";

export interface CatalogFile {
  accession: string;
  study: string;
  name: string;
  dataClass: string;
  size: number;
  /** Content seed: bytes are generated from it; bump it to change the file. */
  seed: number;
  lastModified: Date;
  /** False for a file that exists but cannot be downloaded (406). */
  downloadable: boolean;
  /** Parsed structure for `includeContents` (.h5, .h5ad, .zip, .gz), or an `error`. */
  contents?: Attrs;
  attrs: Attrs;
}

export interface OdmCatalog {
  studies: MetaObject[];
  samples: MetaObject[];
  libraries: MetaObject[];
  preparations: MetaObject[];
  groups: DataGroup[];
  runs: Run[];
  /** Data items per data kind, sorted by itemId (the order cursors walk). */
  items: { expression: DataItem[]; variant: DataItem[]; "flow-cytometry": DataItem[] };
  files: CatalogFile[];
  /** The big file (size set by `bigFileBytes`), attached to the first study. */
  bigFile: string;
  /** A file that exists but cannot be downloaded. */
  undownloadableFile: string;
}

export interface CatalogOptions {
  /** Number of studies; at least 5 (the first five have fixed roles). Default 8. */
  studies?: number;
  /** Size of the big .h5ad file. Default 64 MiB. */
  bigFileBytes?: number;
}

/** Accession counters, one number range per kind. */
export class Accessions {
  private next: Record<string, number> = {
    study: 1000001,
    "sample-group": 1100001,
    sample: 1200001,
    "library-group": 1300001,
    library: 1400001,
    "preparation-group": 1500001,
    preparation: 1600001,
    "expression-group": 2000001,
    "expression-run": 2100001,
    "variant-group": 2200001,
    "variant-run": 2300001,
    "flow-cytometry-group": 2400001,
    "flow-cytometry-run": 2500001,
    "cells-group": 2600001,
    file: 3000001,
  };
  take(kind: string): string {
    const n = this.next[kind]!;
    this.next[kind] = n + 1;
    return `GSF${n}`;
  }
}

export const GENES: { id: string; symbol: string; base: number }[] = [
  ["ENSG00000111640", "GAPDH", 9.5],
  ["ENSG00000075624", "ACTB", 10.2],
  ["ENSG00000251562", "MALAT1", 11.1],
  ["ENSG00000087086", "FTL", 8.7],
  ["ENSG00000167996", "FTH1", 8.9],
  ["ENSG00000081237", "PTPRC", 6.3],
  ["ENSG00000169442", "CD52", 6.8],
  ["ENSG00000010610", "CD4", 4.1],
  ["ENSG00000153563", "CD8A", 3.9],
  ["ENSG00000167286", "CD3D", 5.2],
  ["ENSG00000198851", "CD3E", 5.0],
  ["ENSG00000177455", "CD19", 2.7],
  ["ENSG00000156738", "MS4A1", 3.1],
  ["ENSG00000170458", "CD14", 4.4],
  ["ENSG00000203747", "FCGR3A", 3.6],
  ["ENSG00000090382", "LYZ", 7.4],
  ["ENSG00000101439", "CST3", 6.1],
  ["ENSG00000204287", "HLA-DRA", 6.6],
  ["ENSG00000105374", "NKG7", 4.8],
  ["ENSG00000115523", "GNLY", 4.5],
  ["ENSG00000100453", "GZMB", 3.3],
  ["ENSG00000145649", "GZMA", 3.5],
  ["ENSG00000163736", "PPBP", 2.2],
  ["ENSG00000168685", "IL7R", 3.8],
  ["ENSG00000163131", "CTSS", 5.6],
  ["ENSG00000141510", "TP53", 2.9],
  ["ENSG00000012048", "BRCA1", 1.7],
  ["ENSG00000139618", "BRCA2", 1.2],
  ["ENSG00000146648", "EGFR", 2.4],
  ["ENSG00000136997", "MYC", 3.0],
  ["ENSG00000230368", "FAM41C", 0.6],
  ["ENSG00000188976", "NOC2L", 2.0],
].map(([id, symbol, base]) => ({ id: id as string, symbol: symbol as string, base: base as number }));

const POPULATIONS: { population: string; marker: string }[] = [
  { population: "CD45+, live", marker: "CD45" },
  { population: "CD3+ T cells", marker: "CD3" },
  { population: "CD19+ B cells", marker: "CD19" },
  { population: "CD14+ monocytes", marker: "CD14" },
];

type StudyType = "Transcriptomics" | "Genomics" | "Proteomics" | "Flow cytometry";

interface StudyPlan {
  title: string;
  source: string;
  type: StudyType;
  disease: string;
  tissue: string;
  species: string;
  samples: number;
}

const FIXED_STUDIES: StudyPlan[] = [
  {
    title: "PBMC single-cell atlas of healthy donors",
    source: "Internal",
    type: "Transcriptomics",
    disease: "Healthy",
    tissue: "Blood",
    species: "Homo sapiens",
    samples: 8,
  },
  {
    title: "RNA-Seq of bronchial biopsies in severe asthma",
    source: "ArrayExpress",
    type: "Transcriptomics",
    disease: "Asthma",
    tissue: "Bronchus",
    species: "Homo sapiens",
    samples: 10,
  },
  {
    title: "Subset of 1000 Genomes Project",
    source: "1000 Genomes Project",
    type: "Genomics",
    disease: "Healthy",
    tissue: "Blood",
    species: "Homo sapiens",
    samples: 6,
  },
  {
    title: "Proteomics of liver fibrosis in mice",
    source: "PRIDE",
    type: "Proteomics",
    disease: "Liver fibrosis",
    tissue: "Liver",
    species: "Mus musculus",
    samples: 6,
  },
  {
    title: "Flow cytometry of influenza vaccine response",
    source: "ImmPort",
    type: "Flow cytometry",
    disease: "Influenza",
    tissue: "Blood",
    species: "Homo sapiens",
    samples: 5,
  },
];

const DISEASES = ["Healthy", "Asthma", "COVID-19", "Crohn disease", "Psoriasis"];
const TISSUES = ["Blood", "Lung", "Colon", "Skin", "Liver"];
const AUTHORS = ["curator@example.org", "j.smith@example.org", "a.ng@example.org"];
const DAY = 86_400_000;
const EPOCH = Date.UTC(2023, 0, 9, 9, 30);

function h5adContents(): Attrs {
  const groups = ["/X", "/layers", "/obs", "/obs/__categories", "/obsm", "/uns", "/var"];
  const datasets: [string, number[], string][] = [
    ["/X/data", [18_204_113], "float32"],
    ["/X/indices", [18_204_113], "int32"],
    ["/X/indptr", [11_770], "int64"],
    ["/obs/_index", [11_769], "string"],
    ["/obs/seurat_clusters", [11_769], "int32"],
    ["/obs/integrated_snn_res.0.5", [11_769], "int8"],
    ["/obs/__categories/integrated_snn_res.0.5", [14], "string"],
    ["/obs/__categories/cell_type", [9], "string"],
    ["/obs/cell_type", [11_769], "int8"],
    ["/obsm/X_pca", [11_769, 50], "float32"],
    ["/obsm/X_umap", [11_769, 2], "float32"],
    ["/var/_index", [33_538], "string"],
    ["/var/highly_variable", [33_538], "bool"],
  ];
  return hdf5(groups, datasets);
}

function hdf5(groups: string[], datasets: [string, number[], string][]): Attrs {
  const name = (path: string) => path.slice(path.lastIndexOf("/") + 1);
  return {
    type: "HDF5",
    groups: groups.map((path) => ({ path, name: name(path) })),
    datasets: datasets.map(([path, shape, dtype]) => ({ path, name: name(path), shape, dtype })),
  };
}

export interface FileSpec {
  name: string;
  dataClass: string;
  size: number;
  description: string;
  downloadable?: boolean;
  contents?: Attrs;
  extra?: Attrs;
}

export function makeFile(
  accession: string,
  study: string,
  spec: FileSpec,
  seed: number,
  when: number,
): CatalogFile {
  const attrs: Attrs = {
    "genestack:accession": accession,
    "genestack:name": spec.name,
    "Data Class": spec.dataClass,
    Description: spec.description,
    ...spec.extra,
  };
  const file: CatalogFile = {
    accession,
    study,
    name: spec.name,
    dataClass: spec.dataClass,
    size: spec.size,
    seed,
    lastModified: new Date(when - (when % 1000)),
    downloadable: spec.downloadable ?? true,
    attrs,
  };
  if (spec.contents) file.contents = spec.contents;
  return file;
}

/** Whether `includeContents` applies to a file name (.h5, .h5ad, .zip, .gz). */
export function hasContents(name: string): boolean {
  return /\.(h5|h5ad|zip|gz)$/i.test(name);
}

function versioned(
  kind: ObjectKind,
  accession: string,
  name: string,
  history: Attrs[],
  created: number,
  next: () => number,
): MetaObject {
  const versions: ObjectVersion[] = history.map((attrs, i) => ({
    version: String(i + 1),
    author: AUTHORS[i === 0 ? 0 : 1 + Math.floor(next() * 2)]!,
    message: i === 0 ? "Initial import" : "Curated metadata",
    timestamp: created + i * (3 * DAY + Math.floor(next() * DAY)),
    attrs: { "genestack:accession": accession, ...attrs },
  }));
  const last = versions[versions.length - 1]!;
  return {
    accession,
    kind,
    attrs: last.attrs,
    versions,
    created,
    updated: last.timestamp,
    name,
  };
}

export function buildCatalog(options: CatalogOptions = {}): OdmCatalog {
  const studyCount = Math.max(5, options.studies ?? 8);
  const bigFileBytes = options.bigFileBytes ?? 64 * 1024 * 1024;
  const next = prng(20241021);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
  const ids = new Accessions();
  const catalog: OdmCatalog = {
    studies: [],
    samples: [],
    libraries: [],
    preparations: [],
    groups: [],
    runs: [],
    items: { expression: [], variant: [], "flow-cytometry": [] },
    files: [],
    bigFile: "",
    undownloadableFile: "",
  };
  let fileSeed = 101;

  for (let s = 0; s < studyCount; s++) {
    const plan: StudyPlan = FIXED_STUDIES[s] ?? {
      title: "",
      source: pick(["GEO", "ArrayExpress", "Internal"]),
      type: s % 2 === 1 ? "Transcriptomics" : "Genomics",
      disease: pick(DISEASES),
      tissue: pick(TISSUES),
      species: "Homo sapiens",
      samples: 4 + Math.floor(next() * 5),
    };
    if (!plan.title)
      plan.title = `${plan.type === "Genomics" ? "Whole-genome sequencing" : "RNA-Seq"} of ${plan.tissue.toLowerCase()} in ${plan.disease === "Healthy" ? "healthy donors" : plan.disease} (cohort ${s + 1})`;
    const studyAcc = ids.take("study");
    const created = EPOCH + s * 17 * DAY + Math.floor(next() * DAY);
    const base: Attrs = {
      "Study Title": plan.title,
      "Study Source": plan.source,
      "Study Type": plan.type,
      "Study Description": `${plan.type} study of ${plan.tissue.toLowerCase()} samples (${plan.species}, ${plan.disease}).`,
      Disease: plan.disease,
      Organism: plan.species,
      "Principal Investigator": null,
    };
    const history: Attrs[] = [base];
    if (s === 1) {
      history.unshift({ ...base, Disease: "asthma", "Study Title": "Bronchial biopsies RNA-Seq" });
      history.splice(1, 0, { ...base, "Study Title": "Bronchial biopsies RNA-Seq" });
    } else if (next() < 0.4) {
      history.unshift({ ...base, "Study Description": `${plan.type} study.` });
    }
    const study = versioned("study", studyAcc, plan.title, history, created, next);
    catalog.studies.push(study);

    // Samples.
    const sampleGroup = ids.take("sample-group");
    catalog.groups.push({
      accession: sampleGroup,
      kind: "sample",
      study: studyAcc,
      attrs: {
        "genestack:accession": sampleGroup,
        "Group Type": "Samples",
        "Source File": `samples_${s + 1}.tsv`,
      },
    });
    const samples: MetaObject[] = [];
    for (let j = 0; j < plan.samples; j++) {
      const acc = ids.take("sample");
      const sourceId =
        plan.source === "1000 Genomes Project"
          ? `HG${String(96 + j * 7).padStart(5, "0")}`
          : `${plan.type === "Proteomics" ? "MS" : "S"}${String(s + 1).padStart(2, "0")}-${String(j + 1).padStart(2, "0")}`;
      const age = 20 + Math.floor(next() * 55);
      const attrs: Attrs = {
        "Sample Source ID": sourceId,
        "Species or strain": plan.species,
        Sex: j % 2 === 0 ? "Female" : "Male",
        Disease: plan.disease === "Healthy" || j % 3 !== 0 ? plan.disease : "Healthy",
        Tissue: plan.tissue,
        Age: plan.species === "Mus musculus" ? 8 + (j % 4) : age,
        "Cell Type": plan.tissue === "Blood" ? "PBMC" : null,
        groupId: sampleGroup,
      };
      const sampleHistory: Attrs[] = [attrs];
      if (next() < 0.25) sampleHistory.unshift({ ...attrs, Age: (attrs.Age as number) + 10 });
      const sample = versioned("sample", acc, sourceId, sampleHistory, created + DAY, next);
      sample.parent = studyAcc;
      sample.group = sampleGroup;
      samples.push(sample);
    }
    catalog.samples.push(...samples);

    // Libraries (sequencing studies) and preparations (proteomics).
    if (plan.type === "Transcriptomics" || plan.type === "Genomics") {
      const group = ids.take("library-group");
      catalog.groups.push({
        accession: group,
        kind: "library",
        study: studyAcc,
        attrs: {
          "genestack:accession": group,
          "Group Type": "Libraries",
          "Source File": `libraries_${s + 1}.tsv`,
        },
      });
      samples.forEach((sample, j) => {
        const acc = ids.take("library");
        const libraryId = `LIB${String(s + 1).padStart(2, "0")}${String(j + 1).padStart(3, "0")}`;
        const lib = versioned(
          "library",
          acc,
          libraryId,
          [
            {
              "Library ID": libraryId,
              "Library Type": plan.type === "Genomics" ? "WGS" : s === 0 ? "scRNA-Seq" : "RNA-Seq",
              "Sequencing Platform": j % 3 === 2 ? "Illumina HiSeq 2500" : "Illumina NovaSeq 6000",
              "Sample Source ID": sample.attrs["Sample Source ID"],
              "Read Length": j % 3 === 2 ? 100 : 150,
              groupId: group,
            },
          ],
          created + 2 * DAY,
          next,
        );
        lib.parent = sample.accession;
        lib.group = group;
        catalog.libraries.push(lib);
      });
    }
    if (plan.type === "Proteomics") {
      const group = ids.take("preparation-group");
      catalog.groups.push({
        accession: group,
        kind: "preparation",
        study: studyAcc,
        attrs: {
          "genestack:accession": group,
          "Group Type": "Preparations",
          "Source File": `preparations_${s + 1}.tsv`,
        },
      });
      samples.forEach((sample, j) => {
        const acc = ids.take("preparation");
        const prepId = `PREP${String(s + 1).padStart(2, "0")}${String(j + 1).padStart(3, "0")}`;
        const prep = versioned(
          "preparation",
          acc,
          prepId,
          [
            {
              "Preparation ID": prepId,
              Digestion: j % 2 === 0 ? "Trypsin" : "LysC",
              Instrument: "Orbitrap Exploris 480",
              "Sample Source ID": sample.attrs["Sample Source ID"],
              groupId: group,
            },
          ],
          created + 2 * DAY,
          next,
        );
        prep.parent = sample.accession;
        prep.group = group;
        catalog.preparations.push(prep);
      });
    }

    // Indexed omics data.
    if (plan.type === "Transcriptomics") {
      const group = ids.take("expression-group");
      catalog.groups.push({
        accession: group,
        kind: "expression",
        study: studyAcc,
        attrs: {
          "genestack:accession": group,
          "Data Class": s === 0 ? "Single-cell transcriptomics" : "Bulk transcriptomics",
          "Genome Version": "GRCh38",
          Measurement: s === 0 ? "Pseudobulk log-normalised counts" : "log2 TPM",
          "Source File": `expression_${s + 1}.gct`,
        },
      });
      for (const sample of samples) {
        const run = ids.take("expression-run");
        const runSourceId = sample.attrs["Sample Source ID"] as string;
        catalog.runs.push({ accession: run, group, sample: sample.accession, runSourceId });
        const factor = 0.8 + next() * 0.4;
        for (const gene of GENES) {
          const value = Math.max(0, gene.base * factor + (next() - 0.5) * 2);
          catalog.items.expression.push({
            itemId: `${run}-${gene.id}`,
            itemOrigin: { runSourceId, runId: run, groupId: group },
            metadata: {},
            relationships: { sample: sample.accession },
            feature: { Genes: gene.id, Symbol: gene.symbol },
            value: { value: Math.round(value * 1e6) / 1e6 },
          });
        }
      }
    }
    if (plan.type === "Genomics") {
      const group = ids.take("variant-group");
      catalog.groups.push({
        accession: group,
        kind: "variant",
        study: studyAcc,
        attrs: {
          "genestack:accession": group,
          "Data Class": "Variant calls",
          "Genome Version": "GRCh38",
          "Variant Source": s === 2 ? "1000 Genomes Project" : "GATK HaplotypeCaller",
          "Source File": `variants_${s + 1}.vcf.gz`,
        },
      });
      const variants = Array.from({ length: 24 }, (_, v) => {
        const chrom = ["chr1", "chr2", "chr17"][v % 3]!;
        const gene = chrom === "chr17" ? (v % 2 ? "TP53" : "BRCA1") : chrom === "chr1" ? "NOC2L" : "MYCN";
        const bases = ["A", "C", "G", "T"];
        const ref = bases[v % 4]!;
        return {
          chrom,
          pos: 10_000 + v * 7_919 + Math.floor(next() * 5_000),
          id: [`rs${100_000 + v * 37}`],
          ref,
          alt: [bases[(v + 1 + (v % 3)) % 4]!],
          qual: Math.round(30 + next() * 70),
          filter: [next() < 0.8 ? "PASS" : "LowQual"],
          info: { AF: [Math.round(next() * 1000) / 1000], DP: [20 + Math.floor(next() * 60)], GENE: [gene] },
        };
      });
      for (const sample of samples) {
        const run = ids.take("variant-run");
        const runSourceId = sample.attrs["Sample Source ID"] as string;
        catalog.runs.push({ accession: run, group, sample: sample.accession, runSourceId });
        for (const variant of variants) {
          const gt = ["0/0", "0/1", "1/1"][Math.floor(next() * 3)]!;
          if (gt === "0/0") continue;
          catalog.items.variant.push({
            itemId: `${run}-${variant.chrom}:${variant.pos}`,
            itemOrigin: { runSourceId, runId: run, groupId: group },
            metadata: {},
            relationships: { sample: sample.accession },
            variant,
            genotype: { GT: gt },
          });
        }
      }
    }
    if (plan.type === "Flow cytometry") {
      const group = ids.take("flow-cytometry-group");
      catalog.groups.push({
        accession: group,
        kind: "flow-cytometry",
        study: studyAcc,
        attrs: {
          "genestack:accession": group,
          "Data Class": "Flow cytometry",
          Organ: "blood",
          Panel: "T/B/monocyte panel",
          "Source File": `facs_${s + 1}.tsv`,
        },
      });
      for (const sample of samples) {
        const run = ids.take("flow-cytometry-run");
        const runSourceId = sample.attrs["Sample Source ID"] as string;
        catalog.runs.push({ accession: run, group, sample: sample.accession, runSourceId });
        POPULATIONS.forEach((p, k) => {
          for (const readoutType of ["Count", "Median"]) {
            const value =
              readoutType === "Count" ? Math.floor(500 + next() * 20_000) : Math.round(next() * 5e4) / 10;
            catalog.items["flow-cytometry"].push({
              itemId: `${run}-${k + 1}${readoutType === "Count" ? "c" : "m"}`,
              itemOrigin: { runSourceId, runId: run, groupId: group },
              metadata: {},
              relationships: { sample: sample.accession },
              feature: { readoutType, cellPopulation: p.population, marker: p.marker },
              value: { value },
            });
          }
        });
      }
    }

    // Attached files.
    const specs: FileSpec[] = [];
    if (s === 0) {
      specs.push(
        {
          name: "pbmc_atlas.h5ad",
          dataClass: "Single-cell transcriptomics",
          size: bigFileBytes,
          description: "AnnData object: 11,769 cells, integrated and clustered.",
          contents: h5adContents(),
        },
        {
          name: "study_protocol.pdf",
          dataClass: "Document",
          size: 48_213,
          description: "Sample collection protocol.",
        },
        {
          name: "qc_figures.zip",
          dataClass: "Other",
          size: 2_621_440 + 1_337,
          description: "Quality-control figures.",
          contents: {
            type: "ZIP",
            folders: ["figures/", "figures/umap/"],
            files: [
              { path: "figures/qc_violin.png", size: 412_884 },
              { path: "figures/umap/clusters.png", size: 988_112 },
              { path: "figures/umap/cell_types.png", size: 1_004_903 },
              { path: "README.txt", size: 1_204 },
            ],
          },
        },
        {
          name: "pseudobulk_counts.tsv.gz",
          dataClass: "Single-cell transcriptomics",
          size: 1_204_551,
          description: "Pseudobulk counts per donor and cell type.",
          contents: { type: "GZIP", files: [{ path: "pseudobulk_counts.tsv", size: 5_893_120 }] },
        },
      );
    } else if (s === 1) {
      specs.push(
        {
          name: "filtered_feature_bc_matrix.h5",
          dataClass: "Single-cell transcriptomics",
          size: 6_291_456 + 4_099,
          description: "Cell Ranger filtered feature-barcode matrix.",
          contents: hdf5(
            ["/matrix", "/matrix/features"],
            [
              ["/matrix/barcodes", [5_120], "string"],
              ["/matrix/data", [4_118_331], "int32"],
              ["/matrix/indices", [4_118_331], "int64"],
              ["/matrix/indptr", [5_121], "int64"],
              ["/matrix/shape", [2], "int32"],
              ["/matrix/features/id", [36_601], "string"],
              ["/matrix/features/name", [36_601], "string"],
            ],
          ),
        },
        {
          name: "sample_sheet.csv",
          dataClass: "Other",
          size: 3_911,
          description: "Sequencing sample sheet.",
        },
      );
    } else if (s === 2) {
      specs.push(
        {
          name: "legacy_genotypes.h5",
          dataClass: "Other",
          size: 731_136,
          description: "Genotype matrix written by an old tool.",
          contents: { error: "Unable to read HDF5 file: unsupported superblock version 4" },
        },
        { name: "populations.tsv", dataClass: "Other", size: 12_480, description: "Population codes." },
      );
    } else if (s === 3) {
      specs.push(
        {
          name: "raw_spectra.raw",
          dataClass: "Proteomics",
          size: 1_610_612_736,
          description: "Raw mass spectra, archived to cold storage.",
          downloadable: false,
          extra: { Storage: "Archived" },
        },
        { name: "methods.pdf", dataClass: "Document", size: 220_017, description: "Methods section." },
      );
    } else if (s === 4) {
      specs.push({
        name: "gating_strategy.pdf",
        dataClass: "Document",
        size: 96_400,
        description: "Gating strategy.",
      });
    } else {
      specs.push({
        name: `cohort_${s + 1}_summary.pdf`,
        dataClass: "Document",
        size: 20_000 + Math.floor(next() * 200_000),
        description: "Cohort summary.",
      });
    }
    for (const spec of specs) {
      const file = makeFile(ids.take("file"), studyAcc, spec, fileSeed++, created + 5 * DAY);
      catalog.files.push(file);
      if (spec.name === "pbmc_atlas.h5ad") catalog.bigFile = file.accession;
      if (!file.downloadable) catalog.undownloadableFile = file.accession;
    }
  }
  for (const list of Object.values(catalog.items)) list.sort((a, b) => a.itemId.localeCompare(b.itemId));
  catalogIds.set(catalog, ids);
  return catalog;
}

/** The accession counters of a catalog, so objects added later (imports) keep their ranges. */
export const catalogIds = new WeakMap<OdmCatalog, Accessions>();
