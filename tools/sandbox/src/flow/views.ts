/**
 * How the Flow server serializes its records: list rows and detail objects, with the server's
 * quirks (string IDs, Unix-second timestamps except ISO strings on the sample sub-lists, the
 * sample type as an object on lists but a name on the detail, in-table metadata only on lists).
 */
import type { ExecutionEngine } from "./executions.js";
import type { DataRecord, Execution, Fileset, Principal, Project, Sample, Store, User } from "./store.js";

type Json = Record<string, unknown>;

export const iso = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();

export class Views {
  constructor(
    private readonly store: Store,
    private readonly engine: ExecutionEngine,
  ) {}

  userRef(id: string | null): Json | null {
    const u = id ? this.store.users.get(id) : undefined;
    return u ? { username: u.username, name: u.name, image: u.image } : null;
  }

  groupRef(slug: string | null): Json | null {
    const g = slug ? this.store.groups.get(slug) : undefined;
    return g ? { slug: g.slug, name: g.name } : null;
  }

  organismRef(id: string | null): Json | null {
    const o = id ? this.store.organisms.get(id) : undefined;
    return o ? { id: o.id, name: o.name } : null;
  }

  sampleTypeRef(id: string | null): Json | null {
    const t = id ? this.store.sampleTypes.get(id) : undefined;
    return t ? { identifier: t.identifier, name: t.name } : null;
  }

  dataTypeRef(id: string | null): Json | null {
    const t = id ? this.store.dataTypes.get(id) : undefined;
    return t ? { identifier: t.identifier, name: t.name, description: t.description } : null;
  }

  idName(r: { id: string; name: string } | undefined | null): Json | null {
    return r ? { id: r.id, name: r.name } : null;
  }

  loginUser(u: User): Json {
    return { id: u.id, username: u.username, name: u.name, email: u.email };
  }

  me(u: User): Json {
    return {
      id: u.id,
      username: u.username,
      name: u.name,
      image: u.image,
      is_admin: u.isAdmin,
      can_run_pipelines: u.canRunPipelines,
      can_impersonate: u.isAdmin,
      has_ssh_key: u.sshKey !== null,
      impersonator: null,
      features: { impersonation: u.isAdmin },
      memberships: u.groups.map((slug) => ({
        name: this.store.groups.get(slug)?.name ?? slug,
        slug,
        is_admin: u.adminOf.includes(slug),
      })),
      notifications: { count: 0, unread_count: 0, notifications: [] },
      email: u.email,
      first_name: u.firstName,
      last_name: u.lastName,
      groups: u.groups,
    };
  }

  group(slug: string): Json {
    const g = this.store.groups.get(slug)!;
    return { slug: g.slug, name: g.name, created: g.created, image: "" };
  }

  userRow(u: User): Json {
    return {
      username: u.username,
      name: u.name,
      image: u.image ?? "",
      groups: u.groups.map((g) => this.group(g)),
    };
  }

  // ------------------------------------------------------------ samples

  metadata(sample: Sample, full: boolean): Json {
    const out: Json = {};
    const attributes = [...this.store.attributes.values()].sort((a, b) => a.order - b.order);
    for (const a of attributes) {
      const v = sample.metadata[a.identifier];
      if (!v || (!full && !a.inTable)) continue;
      out[a.identifier] = full
        ? {
            attribute_name: a.name,
            attribute_description: a.description,
            is_list: a.isList,
            url_pattern: a.urlPattern ?? "",
            value: v.value,
            annotation: v.annotation,
          }
        : { attribute_name: a.name, value: v.value, annotation: v.annotation };
    }
    return out;
  }

  filesetsOf(sample: Sample): Fileset[] {
    return [...this.store.filesets.values()].filter((f) => f.sampleId === sample.id);
  }

  private readyData(f: Fileset): DataRecord[] {
    return f.dataIds.map((id) => this.store.data.get(id)!).filter((d) => d && d.ready && !d.removed);
  }

  sampleRow(s: Sample, p: Principal | undefined, fullMetadata = false): Json {
    const project = s.projectId ? this.store.projects.get(s.projectId) : undefined;
    return {
      id: s.id,
      name: s.name,
      created: s.created,
      can_delete: this.store.canEdit(s, p),
      organism: this.organismRef(s.organism),
      sample_type: this.sampleTypeRef(s.sampleType),
      metadata: this.metadata(s, fullMetadata),
      project_name: project?.name ?? null,
      owner_name: this.store.ownerName(s),
      is_paired: this.filesetsOf(s).some((f) => this.readyData(f).length > 1),
    };
  }

  sampleDetail(s: Sample, p: Principal | undefined): Json {
    const project = s.projectId ? this.store.projects.get(s.projectId) : undefined;
    return {
      id: s.id,
      created: s.created,
      name: s.name,
      private: s.private && !(project && !project.private),
      can_edit: this.store.canEdit(s, p),
      pubmed: s.pubmed,
      sample_type: s.sampleType ? (this.store.sampleTypes.get(s.sampleType)?.name ?? "") : "",
      metadata: this.metadata(s, true),
      organism: this.organismRef(s.organism),
      filesets: this.filesetsOf(s).map((f) => ({
        id: f.id,
        created: f.created,
        data: this.readyData(f).map((d) => ({ id: d.id, filename: d.filename, size: d.size })),
      })),
      owner: this.userRef(s.ownerId),
      group_owner: this.groupRef(s.groupOwner),
      project: this.idName(project),
    };
  }

  fileset(f: Fileset): Json {
    const sample = f.sampleId ? this.store.samples.get(f.sampleId) : undefined;
    const data = this.readyData(f);
    return {
      id: f.id,
      name: f.name,
      created: f.created,
      sample: this.idName(sample),
      organism: this.organismRef(f.organism),
      files: data.map((d, i) => ({ id: d.id, filename: d.filename, read_number: i + 1 })),
      data: data.map((d) => ({
        id: d.id,
        filename: d.filename,
        filetype: filetype(d.filename),
        size: d.size,
        category: d.category,
      })),
    };
  }

  // ------------------------------------------------------------ data

  dataRow(d: DataRecord, p: Principal | undefined, isoDates = false, pairedFilename = false): Json {
    const execution = d.executionId ? this.store.executions.get(d.executionId) : undefined;
    const sample = this.store.sampleOf(d);
    const row: Json = {
      id: d.id,
      filename: d.filename,
      size: d.size,
      created: isoDates ? iso(d.created) : d.created,
      pipeline_name: execution ? this.store.pipelineOfExecution(execution).pipeline.name : null,
      process_execution_name: d.processName,
      sample_name: sample?.name ?? null,
      owner_name: this.store.ownerName(d),
      can_delete: this.store.canEdit(d, p),
      data_type: this.dataTypeRef(d.dataType),
    };
    if (pairedFilename) {
      row.paired_filename = d.pairedId ? (this.store.data.get(d.pairedId)?.filename ?? null) : null;
    }
    return row;
  }

  dataDetail(d: DataRecord, p: Principal | undefined): Json {
    const execution = d.executionId ? this.store.executions.get(d.executionId) : undefined;
    const sample = this.store.sampleOf(d);
    const project = sample?.projectId ? this.store.projects.get(sample.projectId) : undefined;
    const fileset = d.filesetId ? this.store.filesets.get(d.filesetId) : undefined;
    const paired = d.pairedId ? this.store.data.get(d.pairedId) : undefined;
    return {
      id: d.id,
      filename: d.filename,
      filetype: filetype(d.filename),
      size: d.size,
      is_binary: d.isBinary,
      is_directory: d.isDirectory,
      created: d.created,
      category: d.category,
      data_type: this.dataTypeRef(d.dataType),
      private: d.private,
      owner: this.userRef(d.ownerId),
      group_owner: this.groupRef(d.groupOwner),
      paired: paired ? { id: paired.id, filename: paired.filename } : null,
      fileset: this.idName(fileset),
      execution: execution
        ? {
            id: execution.id,
            pipeline_name: this.store.pipelineOfExecution(execution).pipeline.name,
            process_name: d.processName ?? "",
            process_command: `${d.processName ?? "process"} --input ${sample?.name ?? "input"}`,
          }
        : null,
      sample: this.idName(sample),
      project: this.idName(project),
      can_edit: this.store.canEdit(d, p),
    };
  }

  // ------------------------------------------------------------ executions

  private link(id: string | null): Json | null {
    const e = id ? this.store.executions.get(id) : undefined;
    return e ? { id: e.id, identifier: e.identifier } : null;
  }

  private filesetSummary(id: string | null): Json | null {
    const f = id ? this.store.filesets.get(id) : undefined;
    return f ? { id: f.id, name: f.name, organism: this.organismRef(f.organism) } : null;
  }

  private executionData(ids: string[], p: Principal | undefined): Json[] {
    return ids
      .map((id) => this.store.data.get(id))
      .filter((d): d is DataRecord => d !== undefined && this.store.canReadData(d, p))
      .map((d) => ({
        id: d.id,
        filename: d.filename,
        filetype: filetype(d.filename),
        process_execution_name: d.processName ?? "",
      }));
  }

  executionRow(
    e: Execution,
    p: Principal | undefined,
    options: { isoDates?: boolean; returnData?: boolean; returnInputs?: boolean } = {},
  ): Json {
    this.engine.advance(e);
    const { pipeline, version } = this.store.pipelineOfExecution(e);
    const time = (t: number | null) => (t === null ? null : options.isoDates ? iso(t) : t);
    const sample = e.sampleId ? this.store.samples.get(e.sampleId) : undefined;
    const row: Json = {
      id: e.id,
      identifier: e.identifier,
      pipeline_name: pipeline.name,
      pipeline_version: version.name,
      created: time(e.created),
      started: time(e.started),
      finished: time(e.finished),
      status: e.status,
      can_delete: this.store.canEdit(e, p),
      retries: this.link(e.retriesId),
      retried_by: this.link(e.retriedById),
      fileset: this.filesetSummary(e.filesetId),
      sample_name: sample?.name ?? null,
      owner_name: this.store.ownerName(e),
    };
    if (options.returnData) row.downstream_data = this.executionData(e.outputIds, p);
    if (options.returnInputs) row.inputs = this.executionData(e.inputIds, p);
    return row;
  }

  executionDetail(e: Execution, p: Principal | undefined, logOffset = 0): Json {
    this.engine.advance(e);
    const { pipeline, version } = this.store.pipelineOfExecution(e);
    const sample = e.sampleId ? this.store.samples.get(e.sampleId) : undefined;
    const project = e.projectId ? this.store.projects.get(e.projectId) : undefined;
    const fileset = e.filesetId ? this.store.filesets.get(e.filesetId) : undefined;
    return {
      id: e.id,
      identifier: e.identifier,
      uuid: e.uuid,
      status: e.status,
      created: e.created,
      started: e.started,
      finished: e.finished,
      nextflow_version: e.nextflowVersion,
      stdout: e.stdout,
      stderr: e.stderr,
      log: this.engine.log(e, logOffset),
      command: e.command,
      params: e.params,
      data_params: e.dataParams,
      csv_params: e.csvParams,
      pipeline: {
        id: version.id,
        name: version.name,
        pipeline_id: pipeline.id,
        pipeline_name: pipeline.name,
        nextflow_versions: version.nextflowVersions,
        schema: version.schema,
      },
      sample: this.idName(sample),
      project: this.idName(project),
      fileset: fileset ? this.fileset(fileset) : null,
      owner: this.userRef(e.ownerId),
      group_owner: this.groupRef(e.groupOwner),
      retries: this.link(e.retriesId),
      retried_by: this.link(e.retriedById),
      process_executions: e.processes.map((pe) => ({
        id: pe.id,
        process_name: pe.processName,
        name: pe.name,
        status: pe.status,
      })),
      downstream_data: this.executionData(e.outputIds, p),
    };
  }

  // ------------------------------------------------------------ projects

  projectRow(pr: Project, p: Principal | undefined): Json {
    return {
      id: pr.id,
      name: pr.name,
      created: pr.created,
      private: pr.private,
      description: pr.description,
      sample_count: this.store.projectSamples(pr.id).filter((s) => this.store.canReadSample(s, p)).length,
      execution_count: this.store.projectExecutions(pr).filter((e) => this.store.canReadExecution(e, p))
        .length,
      owner_name: this.store.ownerName(pr),
      organism: this.organismRef(pr.organism),
    };
  }

  projectDetail(pr: Project, p: Principal | undefined): Json {
    return {
      id: pr.id,
      name: pr.name,
      created: pr.created,
      description: pr.description,
      private: pr.private,
      can_edit: this.store.canEdit(pr, p),
      owner: this.userRef(pr.ownerId),
      group_owner: this.groupRef(pr.groupOwner),
      papers: pr.papers,
      organism: this.organismRef(pr.organism),
    };
  }
}

/** The server's `filetype`: the extension, ignoring a trailing .gz. */
export function filetype(filename: string): string {
  const base = filename.replace(/\.gz$/i, "");
  const dot = base.lastIndexOf(".");
  return dot < 0 ? "" : base.slice(dot + 1).toLowerCase();
}
