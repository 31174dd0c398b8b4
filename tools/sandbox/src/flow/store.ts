/**
 * The Flow sandbox's records and the rules for who may see them. Everything is in memory, keyed by
 * the string IDs the real server uses; uploaded bytes live on disk (see uploads.ts).
 */

export interface User {
  id: string;
  username: string;
  password: string;
  name: string;
  email: string;
  firstName: string;
  lastName: string;
  image: string | null;
  isAdmin: boolean;
  canRunPipelines: boolean;
  /** Group slugs the user belongs to; `adminOf` those the user administers. */
  groups: string[];
  adminOf: string[];
  sshKey: string | null;
  created: number;
}

export interface Group {
  slug: string;
  name: string;
  created: number;
}

export interface Organism {
  id: string;
  name: string;
  latinName: string;
}

export interface SampleType {
  identifier: string;
  name: string;
  description: string;
}

export interface MetadataOption {
  id: string;
  value: string;
  validated: boolean;
  /** Who proposed an unvalidated option (only they see it). */
  ownerId: string | null;
}

export interface MetadataAttribute {
  identifier: string;
  name: string;
  description: string;
  inTable: boolean;
  options: MetadataOption[] | null;
  required: boolean;
  /** Sample types for which the attribute is required ([] = none beyond `required`). */
  requiredFor: string[];
  isList: boolean;
  allowUserTerms: boolean;
  allowAnnotation: boolean;
  urlPattern: string | null;
  regex: string | null;
  order: number;
}

export interface DataType {
  identifier: string;
  name: string;
  description: string;
}

/** Ownership and visibility, shared by projects, samples, data and executions. */
export interface Owned {
  ownerId: string | null;
  groupOwner: string | null;
  private: boolean;
  sharedUsers: Set<string>;
  sharedGroups: Set<string>;
  removed: boolean;
}

export interface Project extends Owned {
  id: string;
  name: string;
  description: string;
  created: number;
  organism: string | null;
  papers: { id: string; year: number; title: string; journal: string }[];
}

export interface Sample extends Owned {
  id: string;
  name: string;
  created: number;
  projectId: string | null;
  organism: string | null;
  sampleType: string | null;
  metadata: Record<string, { value: string; annotation: string | null }>;
  pubmed: string;
  source: string | null;
  purificationTarget: string | null;
}

export interface Fileset {
  id: string;
  name: string;
  created: number;
  sampleId: string | null;
  organism: string | null;
  dataIds: string[];
}

/** Where a data file's bytes come from. */
export type DataContent =
  /** Pseudo-random bytes generated on the fly (content.ts). */
  | { kind: "virtual"; seed: number }
  /** Deterministic text, generated on demand. */
  | { kind: "text"; seed: number; flavour: TextFlavour }
  /** An uploaded file, assembled on disk. */
  | { kind: "disk"; path: string };

export type TextFlavour = "tsv" | "csv" | "bed" | "html" | "log" | "fasta";

export interface DataRecord extends Owned {
  id: string;
  filename: string;
  size: number;
  created: number;
  /** 1 generic, 2 annotation, 3 multiplexed, 4 demultiplexed. */
  category: number;
  dataType: string | null;
  filesetId: string | null;
  /** The sample a pipeline output was produced for. */
  sampleId: string | null;
  executionId: string | null;
  processName: string | null;
  isDirectory: boolean;
  isBinary: boolean;
  /** False while an upload is still in progress. */
  ready: boolean;
  content: DataContent;
  pairedId: string | null;
  lastModified: Date;
}

export interface PipelineVersion {
  id: string;
  pipelineId: string;
  name: string;
  longDescription: string;
  nextflowVersions: string[];
  schema: Record<string, unknown>;
  private: boolean;
  active: boolean;
  created: number;
  /** Process names, in the order they run. */
  steps: string[];
}

export interface Pipeline {
  id: string;
  name: string;
  description: string;
  category: string;
  subcategory: string;
  isNfcore: boolean;
  preparesGenome: boolean;
  repoUrl: string;
  /** Version IDs, most recent first. */
  versionIds: string[];
}

export interface Category {
  name: string;
  description: string;
  subcategories: { name: string; description: string }[];
}

export interface ProcessExecution {
  id: string;
  processName: string;
  name: string;
  status: string;
}

/** How a run started through the API moves along: clock-driven, advanced lazily. */
export interface LiveRun {
  createdMs: number;
  pendingMs: number;
  runningMs: number;
  failWith: string | null;
}

export interface Execution extends Owned {
  id: string;
  identifier: string;
  uuid: string;
  versionId: string;
  created: number;
  started: number | null;
  finished: number | null;
  /** "" pending, "-" running, then OK, ERROR or CANCELED. */
  status: string;
  nextflowVersion: string;
  params: Record<string, unknown>;
  dataParams: Record<string, unknown>;
  csvParams: Record<string, unknown>;
  sampleId: string | null;
  projectId: string | null;
  filesetId: string | null;
  retriesId: string | null;
  retriedById: string | null;
  processes: ProcessExecution[];
  stdout: string;
  stderr: string;
  command: string;
  /** Data produced by the run (created when it finishes OK). */
  outputIds: string[];
  /** Data the run read. */
  inputIds: string[];
  /** Ran as part of its sample's or project's analysis (visible with it). */
  dependent: boolean;
  live: LiveRun | null;
  /** Seed for the results archive's bytes. */
  archiveSeed: number;
}

export interface PekaEntity {
  id: string;
  name: string;
  type: string;
  species: string;
  gene: string;
  motifs: string[];
  bindingSites: number;
}

/** Whoever a request was authenticated as (undefined: anonymous). */
export interface Principal {
  user: User;
  kind: "jwt" | "apiKey";
  /** API key scopes; JWTs have every scope. */
  scopes: Set<Scope>;
}

export type Scope = "read" | "write" | "run";

export class Store {
  readonly users = new Map<string, User>();
  readonly groups = new Map<string, Group>();
  readonly organisms = new Map<string, Organism>();
  readonly sampleTypes = new Map<string, SampleType>();
  readonly attributes = new Map<string, MetadataAttribute>();
  readonly dataTypes = new Map<string, DataType>();
  readonly projects = new Map<string, Project>();
  readonly samples = new Map<string, Sample>();
  readonly filesets = new Map<string, Fileset>();
  readonly data = new Map<string, DataRecord>();
  readonly categories: Category[] = [];
  readonly pipelines = new Map<string, Pipeline>();
  readonly versions = new Map<string, PipelineVersion>();
  readonly executions = new Map<string, Execution>();
  readonly sources: { id: string; name: string }[] = [];
  readonly purificationTargets: { id: string; name: string }[] = [];
  readonly peka: PekaEntity[] = [];
  private readonly counters: Record<string, number> = {
    user: 100,
    project: 100,
    sample: 1000,
    fileset: 3000,
    data: 10000,
    execution: 20000,
    process: 50000,
    option: 500,
  };

  /** New records get IDs above every fixture's. */
  syncCounters(): void {
    const top = (ids: Iterable<string>) => Math.max(0, ...[...ids].map(Number).filter(Number.isFinite));
    const sources: Record<string, Iterable<string>> = {
      user: this.users.keys(),
      project: this.projects.keys(),
      sample: this.samples.keys(),
      fileset: this.filesets.keys(),
      data: this.data.keys(),
      execution: this.executions.keys(),
    };
    for (const [kind, ids] of Object.entries(sources)) {
      this.counters[kind] = Math.max(this.counters[kind] ?? 0, top(ids));
    }
  }

  nextId(kind: string): string {
    this.counters[kind] = (this.counters[kind] ?? 0) + 1;
    return String(this.counters[kind]);
  }

  userByName(username: string): User | undefined {
    for (const u of this.users.values()) if (u.username === username || u.email === username) return u;
    return undefined;
  }

  // ------------------------------------------------------------ permissions

  /** The owner, or a member of the owning group. */
  owns(r: Owned, p: Principal | undefined): boolean {
    if (!p) return false;
    if (r.ownerId !== null && r.ownerId === p.user.id) return true;
    return r.groupOwner !== null && p.user.groups.includes(r.groupOwner);
  }

  /** Owners and admins may edit, share, transfer and delete. */
  canEdit(r: Owned, p: Principal | undefined): boolean {
    return p !== undefined && (p.user.isAdmin || this.owns(r, p));
  }

  private sharedWith(r: Owned, p: Principal | undefined): boolean {
    if (!p) return false;
    return r.sharedUsers.has(p.user.id) || p.user.groups.some((g) => r.sharedGroups.has(g));
  }

  private direct(r: Owned, p: Principal | undefined): boolean {
    return !r.private || this.canEdit(r, p) || this.sharedWith(r, p);
  }

  canReadProject(project: Project, p: Principal | undefined): boolean {
    return !project.removed && this.direct(project, p);
  }

  /**
   * Search and detail: public, or in a public project (anonymous callers), plus owned, shared and
   * project-reachable samples with a token.
   */
  canReadSample(sample: Sample, p: Principal | undefined): boolean {
    if (sample.removed) return false;
    if (this.direct(sample, p)) return true;
    const project = sample.projectId ? this.projects.get(sample.projectId) : undefined;
    return project !== undefined && this.canReadProject(project, p);
  }

  /** The stricter rule of `/samples/{id}/data` and `/executions`: anonymous callers need a public sample. */
  canReadSampleStrict(sample: Sample, p: Principal | undefined): boolean {
    if (!p) return !sample.removed && !sample.private;
    return this.canReadSample(sample, p);
  }

  canReadExecution(e: Execution, p: Principal | undefined): boolean {
    if (e.removed) return false;
    if (this.direct(e, p)) return true;
    if (!e.dependent && !p) return false;
    const sample = e.sampleId ? this.samples.get(e.sampleId) : undefined;
    if (sample && (p ? this.canReadSample(sample, p) : !sample.private)) return true;
    const project = e.projectId ? this.projects.get(e.projectId) : undefined;
    return project !== undefined && this.canReadProject(project, p);
  }

  sampleOf(d: DataRecord): Sample | undefined {
    const fileset = d.filesetId ? this.filesets.get(d.filesetId) : undefined;
    const id = fileset?.sampleId ?? d.sampleId;
    return id ? this.samples.get(id) : undefined;
  }

  canReadData(d: DataRecord, p: Principal | undefined): boolean {
    if (d.removed || !d.ready) return false;
    if (this.direct(d, p)) return true;
    const sample = this.sampleOf(d);
    if (sample && this.canReadSample(sample, p)) return true;
    const execution = d.executionId ? this.executions.get(d.executionId) : undefined;
    return execution !== undefined && this.canReadExecution(execution, p);
  }

  /** Pipeline versions: active and public, or any active one with a token, or inactive for admins. */
  canReadVersion(v: PipelineVersion, p: Principal | undefined): boolean {
    if (p?.user.isAdmin) return true;
    if (!v.active) return false;
    return !v.private || p !== undefined;
  }

  visibleVersions(pipeline: Pipeline, p: Principal | undefined): PipelineVersion[] {
    return pipeline.versionIds
      .map((id) => this.versions.get(id)!)
      .filter((v) => v && this.canReadVersion(v, p));
  }

  // ------------------------------------------------------------ relations

  projectSamples(projectId: string): Sample[] {
    return [...this.samples.values()].filter((s) => s.projectId === projectId && !s.removed);
  }

  /** Raw inputs plus every output traced back to the sample. */
  sampleData(sample: Sample): DataRecord[] {
    return [...this.data.values()].filter(
      (d) => d.ready && !d.removed && (this.sampleOf(d) === sample || d.sampleId === sample.id),
    );
  }

  sampleExecutions(sample: Sample): Execution[] {
    return [...this.executions.values()].filter((e) => !e.removed && e.sampleId === sample.id);
  }

  projectExecutions(project: Project): Execution[] {
    const sampleIds = new Set(this.projectSamples(project.id).map((s) => s.id));
    return [...this.executions.values()].filter(
      (e) => !e.removed && (e.projectId === project.id || (e.sampleId !== null && sampleIds.has(e.sampleId))),
    );
  }

  pipelineOfExecution(e: Execution): { pipeline: Pipeline; version: PipelineVersion } {
    const version = this.versions.get(e.versionId)!;
    return { version, pipeline: this.pipelines.get(version.pipelineId)! };
  }

  ownerName(r: Owned): string | null {
    if (r.ownerId) return this.users.get(r.ownerId)?.name ?? null;
    if (r.groupOwner) return this.groups.get(r.groupOwner)?.name ?? null;
    return null;
  }
}
