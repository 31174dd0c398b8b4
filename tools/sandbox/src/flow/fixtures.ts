/**
 * Deterministic Flow fixtures: users and groups, organisms, vocabularies, projects, samples with
 * their filesets and reads, pipelines (a category tree with versions and run schemas), and
 * finished executions with their outputs. A seeded PRNG makes every start identical.
 */
import {
  Store,
  type DataRecord,
  type Execution,
  type MetadataOption,
  type Owned,
  type Pipeline,
  type PipelineVersion,
  type Project,
  type Sample,
  type TextFlavour,
  type User,
} from "./store.js";
import { prng } from "../prng.js";

/** 2024-01-01T00:00:00Z, in Unix seconds: fixtures are created after it. */
export const EPOCH = 1704067200;

export const SANDBOX_PASSWORDS: Record<string, string> = {
  alice: "alice-sandbox-password",
  bob: "bob-sandbox-password",
  carol: "carol-sandbox-password",
};

/** IDs of fixture records that tests and the demo lean on. */
export interface FlowFixtureIds {
  /** Alice's public project. */
  publicProject: string;
  /** Alice's private project. */
  privateProject: string;
  /** Bob's private project, shared with Alice. */
  sharedProject: string;
  /** A public sample with paired reads. */
  publicSample: string;
  /** A private sample of Alice's private project. */
  privateSample: string;
  /** A private sample inside a public project (listed anonymously, but its data and executions are not). */
  privateSampleInPublicProject: string;
  /** A public reads file of `bigFileBytes` bytes (binary). */
  bigData: string;
  /** A public text file longer than one 10 KB contents chunk. */
  textData: string;
  /** The RNA-seq pipeline and its latest version. */
  rnaseqPipeline: string;
  rnaseqVersion: string;
  /** A pipeline whose only version is private (hidden from anonymous callers). */
  privatePipeline: string;
  /** A finished (OK) public execution with outputs. */
  finishedExecution: string;
}

export interface FixtureOptions {
  samples?: number;
  bigFileBytes?: number;
}

const owned = (ownerId: string | null, isPrivate: boolean, groupOwner: string | null = null): Owned => ({
  ownerId,
  groupOwner,
  private: isPrivate,
  sharedUsers: new Set(),
  sharedGroups: new Set(),
  removed: false,
});

const ADJECTIVES = [
  "small",
  "brave",
  "calm",
  "eager",
  "fancy",
  "gentle",
  "happy",
  "jolly",
  "keen",
  "lively",
  "mighty",
  "nimble",
  "proud",
  "quiet",
  "rapid",
  "sharp",
  "tidy",
  "vivid",
  "witty",
  "zesty",
];
const SCIENTISTS = [
  "meucci",
  "curie",
  "franklin",
  "darwin",
  "mendel",
  "sanger",
  "mcclintock",
  "pasteur",
  "crick",
  "watson",
  "hodgkin",
  "lovelace",
  "turing",
  "noether",
  "hopper",
  "lister",
  "koch",
  "fleming",
  "salk",
  "ramon",
];

export function executionIdentifier(n: number): string {
  return `${ADJECTIVES[n % ADJECTIVES.length]}_${SCIENTISTS[Math.floor(n / ADJECTIVES.length) % SCIENTISTS.length]}`;
}

function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function runSchema(kind: "rnaseq" | "generic" | "genome"): Record<string, unknown> {
  if (kind === "genome") {
    return {
      inputs: [
        {
          name: "Genome",
          params: {
            fasta: { type: "data", required: true, pattern: "\\.fa(sta)?(\\.gz)?$" },
            gtf: { type: "data", required: false, pattern: "\\.gtf(\\.gz)?$" },
          },
        },
      ],
    };
  }
  return {
    inputs: [
      {
        name: "Samples",
        params: {
          input: {
            type: "csv",
            required: true,
            takes_samples: true,
            columns: [
              { name: "sample", from_sample: "name" },
              { name: "fastq_1", from_sample: 0 },
              { name: "fastq_2", from_sample: 1 },
            ],
          },
        },
      },
      {
        name: "Options",
        params: {
          strandedness: {
            type: "string",
            valid: ["auto", "forward", "reverse", "unstranded"],
            default: "auto",
          },
          skip_qc: { type: "boolean", default: false },
          min_mapped_reads: { type: "number", default: 5 },
          ...(kind === "rnaseq" ? { aligner: { type: "hidden", default: "star_salmon" } } : {}),
        },
      },
      {
        name: "Reference",
        advanced: true,
        params: { fasta: { type: "data", required: false, pattern: "\\.fa(sta)?(\\.gz)?$" } },
      },
    ],
  };
}

export function buildFixtures(options: FixtureOptions = {}): { store: Store; ids: FlowFixtureIds } {
  const rand = prng(0xf10b);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const store = new Store();
  const sampleCount = Math.max(12, options.samples ?? 240);
  const bigFileBytes = options.bigFileBytes ?? 64 * 1024 * 1024;

  // ---------------------------------------------------------------- groups and users
  for (const [slug, name, day] of [
    ["research-lab", "Research Lab", 3],
    ["genomics-core", "Genomics Core", 5],
    ["public-data", "Public Data Consortium", 9],
  ] as const) {
    store.groups.set(slug, { slug, name, created: EPOCH + day * 86400 });
  }
  const people: [string, string, string, Partial<User>][] = [
    ["alice", "Alice", "Smith", { groups: ["research-lab"], adminOf: ["research-lab"] }],
    ["bob", "Bob", "Jones", { groups: ["research-lab"], canRunPipelines: false }],
    ["carol", "Carol", "Nguyen", { groups: ["genomics-core"], isAdmin: true, adminOf: ["genomics-core"] }],
    ["dave", "Dave", "Okafor", { groups: ["genomics-core"] }],
    ["erin", "Erin", "Kowalski", { groups: ["public-data"] }],
    ["frank", "Frank", "Moreau", { groups: [] }],
    ["grace", "Grace", "Hopkins", { groups: ["research-lab", "public-data"] }],
    ["heidi", "Heidi", "Schmidt", { groups: [] }],
    ["ivan", "Ivan", "Petrov", { groups: ["genomics-core"] }],
    ["judy", "Judy", "Alvarez", { groups: [] }],
    ["mallory", "Mallory", "Smithson", { groups: [] }],
    ["trent", "Trent", "Smythe", { groups: ["public-data"] }],
  ];
  people.forEach(([username, first, last, extra], i) => {
    const id = String(i + 1);
    store.users.set(id, {
      id,
      username,
      password: SANDBOX_PASSWORDS[username] ?? `${username}-sandbox-password`,
      name: `${first} ${last}`,
      email: `${username}@example.org`,
      firstName: first,
      lastName: last,
      image: null,
      isAdmin: false,
      canRunPipelines: true,
      groups: [],
      adminOf: [],
      sshKey: null,
      created: EPOCH + i * 86400,
      ...extra,
    });
  });
  const alice = "1";
  const bob = "2";
  const carol = "3";

  // ---------------------------------------------------------------- vocabularies
  for (const [id, name, latinName] of [
    ["Hs", "Human", "Homo sapiens"],
    ["Mm", "Mouse", "Mus musculus"],
    ["Dr", "Zebrafish", "Danio rerio"],
    ["Sc", "Yeast", "Saccharomyces cerevisiae"],
  ] as const) {
    store.organisms.set(id, { id, name, latinName });
  }
  for (const [identifier, name, description] of [
    ["ATAC-Seq", "ATAC-Seq", "Chromatin accessibility sequencing"],
    ["ChIP-Seq", "ChIP-Seq", "Chromatin immunoprecipitation sequencing"],
    ["CLIP", "CLIP", "Crosslinking and immunoprecipitation"],
    ["RNA-Seq", "RNA-Seq", "RNA sequencing"],
    ["scRNA-Seq", "scRNA-Seq", "Single-cell RNA sequencing"],
  ] as const) {
    store.sampleTypes.set(identifier, { identifier, name, description });
  }
  for (const [identifier, name, description] of [
    ["fastq", "FASTQ", "Sequencing reads"],
    ["bam", "BAM", "Aligned reads"],
    ["bed", "BED", "Genomic intervals"],
    ["bigwig", "bigWig", "Coverage track"],
    ["counts", "Counts table", "Gene counts (TSV)"],
    ["fasta", "FASTA", "Reference sequences"],
    ["gtf", "GTF", "Gene annotation"],
    ["html", "HTML report", "A report to view in the browser"],
    ["annotation", "Annotation sheet", "Sample sheet for multiplexed data"],
    ["generic", "Generic", "Any other file"],
  ] as const) {
    store.dataTypes.set(identifier, { identifier, name, description });
  }
  const option = (value: string): MetadataOption => ({
    id: store.nextId("option"),
    value,
    validated: true,
    ownerId: null,
  });
  const attributes = [
    {
      identifier: "condition",
      name: "Condition",
      description: "Experimental condition",
      inTable: true,
      options: null,
      allowUserTerms: true,
    },
    {
      identifier: "tissue",
      name: "Tissue",
      description: "Tissue of origin",
      inTable: true,
      options: ["Brain", "Heart", "Kidney", "Liver", "Lung", "Muscle", "Skin", "Spleen"].map(option),
      allowUserTerms: false,
    },
    {
      identifier: "strandedness",
      name: "Strandedness",
      description: "Library strandedness",
      inTable: false,
      options: ["forward", "reverse", "unstranded"].map(option),
      allowUserTerms: false,
      requiredFor: ["RNA-Seq"],
    },
    {
      identifier: "cell_type",
      name: "Cell type",
      description: "Cell type or line",
      inTable: false,
      options: null,
      allowUserTerms: true,
    },
    {
      identifier: "replicate",
      name: "Replicate",
      description: "Replicate number",
      inTable: true,
      options: null,
      allowUserTerms: true,
      regex: "^[0-9]+$",
    },
  ];
  // One unvalidated option proposed by Alice: only she sees it.
  attributes[1]!.options!.push({
    id: store.nextId("option"),
    value: "Retina",
    validated: false,
    ownerId: alice,
  });
  attributes.forEach((a, i) =>
    store.attributes.set(a.identifier, {
      identifier: a.identifier,
      name: a.name,
      description: a.description,
      inTable: a.inTable,
      options: a.options,
      required: false,
      requiredFor: a.requiredFor ?? [],
      isList: false,
      allowUserTerms: a.allowUserTerms,
      allowAnnotation: a.identifier === "condition",
      urlPattern: null,
      regex: a.regex ?? null,
      order: i + 1,
    }),
  );
  store.sources.push(
    { id: "1", name: "Cell Line" },
    { id: "2", name: "Tissue" },
    { id: "3", name: "Organoid" },
  );
  store.purificationTargets.push(
    { id: "1", name: "Total RNA" },
    { id: "2", name: "mRNA" },
    { id: "3", name: "Nuclear RNA" },
  );

  // ---------------------------------------------------------------- projects
  const projectSpecs: [string, string, string | null, string | null, boolean, string | null][] = [
    ["RNA-seq Project", "Gene expression analysis of mouse tissues", alice, null, false, "Mm"],
    ["Alice private atlas", "Unpublished single-cell atlas", alice, null, true, "Hs"],
    ["Bob ChIP study", "Histone marks in zebrafish development", bob, null, true, "Dr"],
    ["Zebrafish development", "Time course of zebrafish embryos", null, "public-data", false, "Dr"],
    ["Yeast stress response", "Heat shock time course", "5", null, false, "Sc"],
    ["Core facility QC", "Quality control runs of the genomics core", null, "genomics-core", true, "Hs"],
    ["Human brain CLIP", "RBP binding in human brain", carol, null, false, "Hs"],
    ["Liver regeneration", "Mouse liver after partial hepatectomy", "4", null, false, "Mm"],
    ["Kidney organoids", "Organoid differentiation", "7", null, false, "Hs"],
    ["Muscle ageing", "Ageing muscle in mouse", "8", null, true, "Mm"],
    ["Skin atlas", "Healthy human skin", "9", null, false, "Hs"],
    ["Heart failure", "Cardiomyocyte transcriptomes", "10", null, false, "Hs"],
    ["Lung injury", "Lung injury models", "6", null, false, "Mm"],
    ["Spleen immunology", "Immune cells of the spleen", "12", null, false, "Mm"],
  ];
  const projects: Project[] = projectSpecs.map(
    ([name, description, ownerId, group, isPrivate, organism], i) => ({
      id: String(10 + i),
      name,
      description,
      created: EPOCH + (i * 11 + 2) * 86400,
      organism,
      papers:
        i % 4 === 0
          ? [{ id: String(38000001 + i), year: 2024, title: `${name}: a study`, journal: "Nature" }]
          : [],
      ...owned(ownerId, isPrivate, group),
    }),
  );
  projects[2]!.sharedUsers.add(alice);
  for (const p of projects) store.projects.set(p.id, p);

  // ---------------------------------------------------------------- samples, filesets and reads
  const tissues = ["Brain", "Heart", "Kidney", "Liver", "Lung", "Muscle", "Skin", "Spleen"];
  const conditions = ["Control", "Treated", "Knockout", "Wildtype", "Heat shock"];
  const typesByProject: Record<number, string[]> = {
    0: ["RNA-Seq"],
    1: ["scRNA-Seq"],
    2: ["ChIP-Seq"],
    3: ["RNA-Seq", "ATAC-Seq"],
    6: ["CLIP"],
  };
  let dataSeed = 1;
  const addData = (record: Omit<DataRecord, "id" | "lastModified"> & { id?: string }): DataRecord => {
    const id = record.id ?? String(5000 + store.data.size);
    const full: DataRecord = { ...record, id, lastModified: new Date(record.created * 1000) };
    store.data.set(id, full);
    return full;
  };
  const samples: Sample[] = [];
  for (let i = 0; i < sampleCount; i++) {
    const projectIndex = i < 24 ? i % 4 : Math.floor(rand() * (projects.length + 2));
    const project = projects[projectIndex];
    const sampleType = project
      ? pick(typesByProject[projectIndex] ?? ["RNA-Seq", "ChIP-Seq", "ATAC-Seq", "CLIP", "RNA-Seq"])
      : pick(["RNA-Seq", "ChIP-Seq", null] as const);
    const ownerId = project?.ownerId ?? (project ? null : pick(["5", "6", "8", "9", "11"]));
    const samplePrivate = project ? project.private || rand() < 0.15 : rand() < 0.3;
    const created = EPOCH + 30 * 86400 + i * 9000 + Math.floor(rand() * 3000);
    const metadata: Sample["metadata"] = {
      condition: { value: pick(conditions), annotation: null },
      replicate: { value: String((i % 3) + 1), annotation: null },
    };
    if (rand() < 0.8) metadata.tissue = { value: pick(tissues), annotation: null };
    if (sampleType === "RNA-Seq")
      metadata.strandedness = { value: pick(["forward", "reverse"]), annotation: null };
    if (rand() < 0.3)
      metadata.cell_type = { value: pick(["HEK293", "HeLa", "K562", "primary"]), annotation: null };
    const sample: Sample = {
      id: String(100 + i),
      name: `Sample-${String(i + 1).padStart(3, "0")}`,
      created,
      projectId: project?.id ?? null,
      organism: project?.organism ?? pick(["Hs", "Mm", null] as const),
      sampleType,
      metadata,
      pubmed: i % 17 === 0 ? String(38000100 + i) : "",
      source: pick(["1", "2", "3"]),
      purificationTarget: pick(["1", "2", "3"]),
      ...owned(ownerId, samplePrivate, project?.groupOwner ?? null),
    };
    samples.push(sample);
    store.samples.set(sample.id, sample);

    const paired = sampleType !== "CLIP" && rand() < 0.6;
    const fileset = {
      id: String(2000 + i),
      name: paired ? "Paired-end reads" : "Single-end reads",
      created,
      sampleId: sample.id,
      organism: sample.organism,
      dataIds: [] as string[],
    };
    store.filesets.set(fileset.id, fileset);
    const reads = paired ? [1, 2] : [1];
    const records = reads.map((read) =>
      addData({
        filename: paired ? `${sample.name}_R${read}.fastq.gz` : `${sample.name}.fastq.gz`,
        size: 200_000 + Math.floor(rand() * 4_000_000),
        created,
        category: 4,
        dataType: "fastq",
        filesetId: fileset.id,
        sampleId: null,
        executionId: null,
        processName: null,
        isDirectory: false,
        isBinary: true,
        ready: true,
        content: { kind: "virtual", seed: 0x5eed0000 + dataSeed++ },
        pairedId: null,
        ...owned(sample.ownerId, sample.private, sample.groupOwner),
      }),
    );
    if (records.length === 2) {
      records[0]!.pairedId = records[1]!.id;
      records[1]!.pairedId = records[0]!.id;
    }
    fileset.dataIds.push(...records.map((r) => r.id));
  }

  // A private sample inside a public project: listed anonymously, its sub-resources are not.
  const inPublic = samples.find((s) => s.projectId === "10")!;
  const hidden = samples.find((s) => s.projectId === "10" && s !== inPublic)!;
  hidden.private = true;
  for (const d of store.sampleData(hidden)) d.private = true;
  inPublic.private = false;
  for (const d of store.sampleData(inPublic)) d.private = false;
  const publicSample =
    samples.find(
      (s) => !s.private && (store.filesets.get(String(2000 + Number(s.id) - 100))?.dataIds.length ?? 0) === 2,
    ) ?? inPublic;

  // Genome filesets of the organisms.
  for (const [organism, name, file, size] of [
    ["Hs", "GRCh38", "GRCh38.fa.gz", 948_731_419],
    ["Mm", "GRCm39", "GRCm39.fa.gz", 812_000_000],
    ["Dr", "GRCz11", "GRCz11.fa.gz", 420_000_000],
  ] as const) {
    const fileset = {
      id: String(2000 + sampleCount + store.filesets.size),
      name,
      created: EPOCH + 86400,
      sampleId: null,
      organism,
      dataIds: [] as string[],
    };
    store.filesets.set(fileset.id, fileset);
    const record = addData({
      filename: file,
      size,
      created: EPOCH + 86400,
      category: 1,
      dataType: "fasta",
      filesetId: fileset.id,
      sampleId: null,
      executionId: null,
      processName: null,
      isDirectory: false,
      isBinary: true,
      ready: true,
      content: { kind: "virtual", seed: 0x6e0e0000 + dataSeed++ },
      pairedId: null,
      ...owned(carol, false),
    });
    fileset.dataIds.push(record.id);
  }

  // Loose uploads: text tables, tracks, one big reads file.
  const text = (flavour: TextFlavour) => ({ kind: "text" as const, seed: 0x7e470000 + dataSeed++, flavour });
  const loose: [string, number, string, string, boolean, DataRecord["content"]][] = [
    ["gene_counts.tsv", 48_213, "counts", alice, false, text("tsv")],
    ["peaks_merged.bed", 9_000, "bed", alice, false, text("bed")],
    ["annotation_sheet.csv", 1_523, "annotation", alice, true, text("csv")],
    ["big_reads.fastq.gz", bigFileBytes, "fastq", alice, false, { kind: "virtual", seed: 0xb16f11e }],
    ["coverage.bw", 2_500_000, "bigwig", bob, true, { kind: "virtual", seed: 0x7e470000 + dataSeed++ }],
    ["transcripts.gtf", 31_000, "gtf", carol, false, text("tsv")],
    ["qc_summary.html", 12_400, "html", "4", false, text("html")],
    ["notes.log", 3_200, "generic", "5", false, text("log")],
  ];
  const looseIds: Record<string, string> = {};
  loose.forEach(([filename, size, dataType, ownerId, isPrivate, content], i) => {
    const record = addData({
      filename,
      size,
      created: EPOCH + (20 + i) * 86400,
      category: dataType === "annotation" ? 2 : 1,
      dataType,
      filesetId: null,
      sampleId: null,
      executionId: null,
      processName: null,
      isDirectory: false,
      isBinary: content.kind === "virtual",
      ready: true,
      content,
      pairedId: null,
      ...owned(ownerId, isPrivate),
    });
    looseIds[filename] = record.id;
  });

  // ---------------------------------------------------------------- pipelines
  store.categories.push(
    {
      name: "RNA Analysis",
      description: "Pipelines for RNA",
      subcategories: [
        { name: "Expression", description: "Gene expression" },
        { name: "Single cell", description: "Single-cell transcriptomics" },
      ],
    },
    {
      name: "Genomics",
      description: "DNA and chromatin",
      subcategories: [
        { name: "Chromatin", description: "Chromatin state and accessibility" },
        { name: "Protein-RNA", description: "Protein-RNA interactions" },
      ],
    },
    {
      name: "Utilities",
      description: "Data preparation",
      subcategories: [
        { name: "Demultiplexing", description: "Split multiplexed reads" },
        { name: "Genome preparation", description: "Index reference genomes" },
      ],
    },
    {
      name: "Experimental",
      description: "Pipelines in development",
      subcategories: [{ name: "Sandbox", description: "Private pipelines" }],
    },
  );
  const pipelineSpecs: {
    name: string;
    description: string;
    category: string;
    subcategory: string;
    nfcore: boolean;
    genome?: boolean;
    steps: string[];
    versions: { name: string; private?: boolean; active?: boolean }[];
    schema: "rnaseq" | "generic" | "genome";
  }[] = [
    {
      name: "RNA-seq",
      description: "Quantify gene expression from RNA sequencing",
      category: "RNA Analysis",
      subcategory: "Expression",
      nfcore: true,
      steps: ["FASTQC", "TRIMGALORE", "STAR_ALIGN", "SALMON_QUANT", "MULTIQC"],
      versions: [{ name: "3.14.0" }, { name: "3.12.0" }, { name: "3.0.0", active: false }],
      schema: "rnaseq",
    },
    {
      name: "scRNA-seq",
      description: "Single-cell RNA-seq quantification",
      category: "RNA Analysis",
      subcategory: "Single cell",
      nfcore: true,
      steps: ["FASTQC", "STARSOLO", "MTX_CONVERSION", "MULTIQC"],
      versions: [{ name: "2.5.1" }],
      schema: "generic",
    },
    {
      name: "ChIP-seq",
      description: "Peak calling for ChIP-seq",
      category: "Genomics",
      subcategory: "Chromatin",
      nfcore: true,
      steps: ["FASTQC", "BWA_MEM", "MACS2_CALLPEAK", "MULTIQC"],
      versions: [{ name: "2.0.0" }],
      schema: "generic",
    },
    {
      name: "CLIP-seq",
      description: "Crosslink site detection for CLIP",
      category: "Genomics",
      subcategory: "Protein-RNA",
      nfcore: false,
      steps: ["FASTQC", "UMI_EXTRACT", "BOWTIE_ALIGN", "CROSSLINKS", "PEKA"],
      versions: [{ name: "1.1.0-beta", private: true }, { name: "1.0.0" }],
      schema: "generic",
    },
    {
      name: "Demultiplex",
      description: "Demultiplex reads by barcode",
      category: "Utilities",
      subcategory: "Demultiplexing",
      nfcore: false,
      steps: ["ULTRAPLEX"],
      versions: [{ name: "1.2" }],
      schema: "generic",
    },
    {
      name: "Prepare Genome",
      description: "Build aligner indexes for a genome",
      category: "Utilities",
      subcategory: "Genome preparation",
      nfcore: false,
      genome: true,
      steps: ["GUNZIP", "STAR_GENOMEGENERATE", "BOWTIE_BUILD"],
      versions: [{ name: "1.0" }],
      schema: "genome",
    },
    {
      name: "Private Pipeline",
      description: "An unreleased pipeline",
      category: "Experimental",
      subcategory: "Sandbox",
      nfcore: false,
      steps: ["PREPARE", "ANALYSE"],
      versions: [{ name: "0.1.0", private: true }],
      schema: "generic",
    },
  ];
  let versionId = 10;
  pipelineSpecs.forEach((spec, i) => {
    const pipeline: Pipeline = {
      id: String(i + 1),
      name: spec.name,
      description: spec.description,
      category: spec.category,
      subcategory: spec.subcategory,
      isNfcore: spec.nfcore,
      preparesGenome: spec.genome ?? false,
      repoUrl: spec.nfcore
        ? `https://github.com/nf-core/${spec.name.toLowerCase().replace(/[^a-z]/g, "")}`
        : `https://github.com/goodwright/${spec.name.toLowerCase().replace(/[^a-z]+/g, "-")}`,
      versionIds: [],
    };
    spec.versions.forEach((v, j) => {
      const version: PipelineVersion = {
        id: String(versionId++),
        pipelineId: pipeline.id,
        name: v.name,
        longDescription: `${spec.description}. Version ${v.name}.`,
        nextflowVersions: j === 0 ? ["24.04.2", "23.04.3"] : ["23.04.3", "22.10.6"],
        schema: runSchema(spec.schema),
        private: v.private ?? false,
        active: v.active ?? true,
        created: EPOCH + (100 - j * 30) * 86400,
        steps: spec.steps,
      };
      store.versions.set(version.id, version);
      pipeline.versionIds.push(version.id);
    });
    store.pipelines.set(pipeline.id, pipeline);
  });

  // ---------------------------------------------------------------- finished executions
  const runnable = [...store.versions.values()].filter((v) => v.active && !v.private && v.pipelineId !== "6");
  const executionCount = Math.max(8, Math.round(sampleCount / 4));
  let firstOk: Execution | undefined;
  for (let i = 0; i < executionCount; i++) {
    const sample = i === 0 ? publicSample : samples[Math.floor(rand() * samples.length)]!;
    const version = i === 0 ? store.versions.get("10")! : pick(runnable);
    const roll = rand();
    const status = i === 0 ? "OK" : roll < 0.7 ? "OK" : roll < 0.9 ? "ERROR" : "CANCELED";
    const created = sample.created + 3600 + Math.floor(rand() * 86400 * 20);
    const started = created + 60 + rand() * 600;
    const finished = started + 600 + rand() * 20000;
    const fileset = [...store.filesets.values()].find((f) => f.sampleId === sample.id) ?? null;
    const steps = version.steps;
    const failedAt = status === "OK" ? steps.length : Math.floor(rand() * steps.length);
    const execution: Execution = {
      id: String(9000 + i),
      identifier: executionIdentifier(i),
      uuid: uuidFrom(rand),
      versionId: version.id,
      created,
      started: Math.round(started * 10) / 10,
      finished: Math.round(finished * 10) / 10,
      status,
      nextflowVersion: version.nextflowVersions[0]!,
      params: { strandedness: String(sample.metadata.strandedness?.value ?? "auto") },
      dataParams: {},
      csvParams: { input: { rows: [{ sample: sample.id, values: {} }] } },
      sampleId: sample.id,
      projectId: sample.projectId,
      filesetId: fileset?.id ?? null,
      retriesId: null,
      retriedById: null,
      processes: steps.map((step, s) => ({
        id: store.nextId("process"),
        processName: step,
        name: `${step} (${sample.name})`,
        status:
          s < failedAt ? "COMPLETED" : s === failedAt ? (status === "ERROR" ? "FAILED" : "CANCELED") : "-",
      })),
      stdout: `N E X T F L O W  ~  version ${version.nextflowVersions[0]}\nLaunching pipeline\n`,
      stderr: status === "ERROR" ? `ERROR ~ Error executing process > '${steps[failedAt]}'\n` : "",
      command: `nextflow run ${version.pipelineId} -r ${version.name} -profile docker`,
      outputIds: [],
      inputIds: fileset?.dataIds.slice() ?? [],
      dependent: true,
      live: null,
      archiveSeed: 0xa2c0000 + i,
      ...owned(sample.ownerId ?? "5", sample.private, sample.groupOwner),
    };
    if (status === "OK") {
      execution.outputIds = [
        addData({
          filename: `${sample.name}.counts.tsv`,
          size: 4_000 + Math.floor(rand() * 30_000),
          created: Math.floor(finished),
          category: 1,
          dataType: "counts",
          filesetId: null,
          sampleId: sample.id,
          executionId: execution.id,
          processName: steps[steps.length - 2] ?? steps[0]!,
          isDirectory: false,
          isBinary: false,
          ready: true,
          content: text("tsv"),
          pairedId: null,
          ...owned(execution.ownerId, execution.private, execution.groupOwner),
        }).id,
        addData({
          filename: "multiqc_report.html",
          size: 8_000 + Math.floor(rand() * 8_000),
          created: Math.floor(finished),
          category: 1,
          dataType: "html",
          filesetId: null,
          sampleId: sample.id,
          executionId: execution.id,
          processName: steps[steps.length - 1]!,
          isDirectory: false,
          isBinary: false,
          ready: true,
          content: text("html"),
          pairedId: null,
          ...owned(execution.ownerId, execution.private, execution.groupOwner),
        }).id,
      ];
      if (!execution.private && !firstOk) firstOk = execution;
    }
    store.executions.set(execution.id, execution);
  }

  // ---------------------------------------------------------------- PEKA
  const rbps: [string, string, string[]][] = [
    ["HuR", "ELAVL1", ["UUUUUUU", "AUUUA"]],
    ["TTP", "ZFP36", ["UAUUUAU"]],
    ["PTBP1", "PTBP1", ["UCUUC", "CUCUCU"]],
    ["TDP-43", "TARDBP", ["UGUGUG"]],
    ["FUS", "FUS", ["GGUG"]],
    ["HNRNPC", "HNRNPC", ["UUUUU"]],
    ["RBFOX2", "RBFOX2", ["UGCAUG"]],
    ["QKI", "QKI", ["ACUAAC"]],
  ];
  rbps.forEach(([name, gene, motifs], i) => {
    for (const species of ["human", "mouse"]) {
      store.peka.push({
        id: String(store.peka.length + 1),
        name,
        type: "RBP",
        species,
        gene,
        motifs,
        bindingSites: 300 + ((i * 977 + species.length * 131) % 2000),
      });
    }
  });

  store.syncCounters();
  const privateSample = samples.find((s) => s.projectId === "11")!;
  return {
    store,
    ids: {
      publicProject: "10",
      privateProject: "11",
      sharedProject: "12",
      publicSample: publicSample.id,
      privateSample: privateSample.id,
      privateSampleInPublicProject: hidden.id,
      bigData: looseIds["big_reads.fastq.gz"]!,
      textData: looseIds["gene_counts.tsv"]!,
      rnaseqPipeline: "1",
      rnaseqVersion: "10",
      privatePipeline: "7",
      finishedExecution: (firstOk ?? store.executions.get("9000")!).id,
    },
  };
}
