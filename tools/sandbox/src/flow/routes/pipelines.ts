/** Flow sandbox routes: the pipeline catalogue, pipelines, versions and runs. */
import type { Handler, HandlerResult, RequestContext } from "../../spec-router.js";
import { executionIdentifier } from "../fixtures.js";
import { type Execution, type Principal, type Sample, type User } from "../store.js";
import { randomUUID } from "node:crypto";
import { NOT_FOUND, FORBIDDEN_SCOPE, bad } from "../replies.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function pipelinesRoutes(c: FlowContext): Record<string, Handler> {
  const { store, ownedBy, engine, views, filesetReadable } = c;
  function runPipeline(ctx: RequestContext): HandlerResult {
    const p = ctx.principal as Principal;
    const version = store.versions.get(ctx.pathParams.versionId);
    if (!version || !store.canReadVersion(version, p)) return NOT_FOUND;
    if (!p.scopes.has("run")) return FORBIDDEN_SCOPE;
    if (!p.user.canRunPipelines) return { status: 403, body: { error: "User cannot run pipelines" } };
    const body = ctx.body as {
      params: Record<string, string>;
      data_params: Record<string, string | number>;
      csv_params: Record<
        string,
        { rows: { sample?: string | number; fileset?: string | number; values?: Record<string, string> }[] }
      >;
      nextflow_version: string;
      fileset?: string | number;
      retries?: string | number;
    };
    const problems: Record<string, string[]> = {};
    const problem = (field: string, message: string) => (problems[field] ??= []).push(message);
    if (!version.nextflowVersions.includes(body.nextflow_version))
      problem(
        "nextflow_version",
        `Select a valid choice. ${body.nextflow_version} is not one of the available choices.`,
      );
    const sections = ((version.schema as { inputs?: { params: Record<string, any> }[] }).inputs ?? []).map(
      (s) => s.params,
    );
    const declared = Object.assign({}, ...sections) as Record<
      string,
      { type: string; valid?: string[]; required?: boolean; default?: unknown }
    >;
    for (const [name, value] of Object.entries(body.params)) {
      const param = declared[name];
      if (param?.valid && !param.valid.includes(value))
        problem(name, `Select a valid choice. ${value} is not one of the available choices.`);
      if (param?.type === "boolean" && !["true", "false"].includes(value))
        problem(name, "Must be true or false.");
      if (param?.type === "number" && !Number.isFinite(Number(value))) problem(name, "A number is required.");
    }
    let firstSample: Sample | undefined;
    for (const [name, param] of Object.entries(declared)) {
      if (!param.required) continue;
      const given =
        param.type === "data"
          ? body.data_params[name]
          : param.type === "csv"
            ? body.csv_params[name]?.rows.length
            : (body.params[name] ?? param.default);
      if (given === undefined || given === 0) problem(name, "This field is required.");
    }
    const inputIds: string[] = [];
    for (const [name, id] of Object.entries(body.data_params)) {
      const d = store.data.get(String(id));
      if (!d || !store.canReadData(d, p))
        problem(name, `Data ${String(id)} does not exist or is not accessible.`);
      else inputIds.push(d.id);
    }
    for (const [name, csv] of Object.entries(body.csv_params)) {
      csv.rows.forEach((row, i) => {
        if (row.sample !== undefined) {
          const s = store.samples.get(String(row.sample));
          if (!s || !store.canReadSample(s, p))
            problem(name, `Row ${i + 1}: sample ${String(row.sample)} does not exist or is not accessible.`);
          else {
            firstSample ??= s;
            for (const f of views.filesetsOf(s)) inputIds.push(...f.dataIds);
          }
        }
        if (row.fileset !== undefined) {
          const f = store.filesets.get(String(row.fileset));
          if (!f || !filesetReadable(f, p))
            problem(
              name,
              `Row ${i + 1}: fileset ${String(row.fileset)} does not exist or is not accessible.`,
            );
          else inputIds.push(...f.dataIds);
        }
      });
    }
    let fileset = body.fileset !== undefined ? store.filesets.get(String(body.fileset)) : undefined;
    if (body.fileset !== undefined && (!fileset || !filesetReadable(fileset, p)))
      problem("fileset", `Fileset ${String(body.fileset)} does not exist or is not accessible.`);
    const retried = body.retries !== undefined ? store.executions.get(String(body.retries)) : undefined;
    if (
      body.retries !== undefined &&
      (!retried || !store.canReadExecution(retried, p) || retried.versionId !== version.id)
    )
      problem("retries", "Can only retry an execution of the same pipeline version.");
    if (Object.keys(problems).length) return bad(problems);
    fileset ??= firstSample ? views.filesetsOf(firstSample)[0] : undefined;
    const n = store.executions.size;
    const now = Date.now();
    const execution: Execution = {
      id: store.nextId("execution"),
      identifier: executionIdentifier(n + 37),
      uuid: randomUUID(),
      versionId: version.id,
      created: Math.floor(now / 1000),
      started: null,
      finished: null,
      status: "",
      nextflowVersion: body.nextflow_version,
      params: body.params,
      dataParams: body.data_params,
      csvParams: body.csv_params,
      sampleId: firstSample?.id ?? null,
      projectId: firstSample?.projectId ?? null,
      filesetId: fileset?.id ?? null,
      retriesId: retried?.id ?? null,
      retriedById: null,
      processes: [],
      stdout: `N E X T F L O W  ~  version ${body.nextflow_version}\nLaunching \`${store.pipelines.get(version.pipelineId)!.repoUrl}\` [${executionIdentifier(n + 37)}] - revision: ${version.name}\n`,
      stderr: "",
      command:
        `nextflow run ${store.pipelines.get(version.pipelineId)!.repoUrl} -r ${version.name} ${Object.entries(
          body.params,
        )
          .map(([k, v]) => `--${k} ${v}`)
          .join(" ")}`.trim(),
      outputIds: [],
      inputIds: [...new Set(inputIds)],
      dependent: false,
      live: null,
      archiveSeed: 0xa2c1000 + n,
      ...ownedBy(p.user),
    };
    if (retried) retried.retriedById = execution.id;
    store.executions.set(execution.id, execution);
    engine.launch(execution, now);
    return { status: 200, body: views.executionDetail(execution, p) };
  }

  return {
    listPipelines({ principal }) {
      engine.advanceAll();
      const executionCounts = new Map<string, number>();
      for (const e of store.executions.values()) {
        const id = store.versions.get(e.versionId)!.pipelineId;
        executionCounts.set(id, (executionCounts.get(id) ?? 0) + 1);
      }
      const tree = store.categories
        .map((category) => ({
          name: category.name,
          description: category.description,
          subcategories: category.subcategories
            .map((sub) => ({
              name: sub.name,
              description: sub.description,
              pipelines: [...store.pipelines.values()]
                .filter(
                  (pl) =>
                    pl.category === category.name &&
                    pl.subcategory === sub.name &&
                    store.visibleVersions(pl, principal).length > 0,
                )
                .map((pl) => ({
                  id: pl.id,
                  name: pl.name,
                  description: pl.description,
                  execution_count: executionCounts.get(pl.id) ?? 0,
                  is_nfcore: pl.isNfcore,
                  prepares_genome: pl.preparesGenome,
                })),
            }))
            .filter((sub) => sub.pipelines.length > 0),
        }))
        .filter((category) => category.subcategories.length > 0);
      return { status: 200, body: tree };
    },
    getPipeline({ pathParams, principal }) {
      const pipeline = store.pipelines.get(pathParams.pipelineId);
      const versions = pipeline ? store.visibleVersions(pipeline, principal) : [];
      if (!pipeline || versions.length === 0) return NOT_FOUND;
      return {
        status: 200,
        body: {
          id: pipeline.id,
          name: pipeline.name,
          is_nfcore: pipeline.isNfcore,
          prepares_genome: pipeline.preparesGenome,
          repo_url: pipeline.repoUrl,
          repo_original_url: pipeline.repoUrl,
          versions: versions.map((v) => ({
            id: v.id,
            name: v.name,
            nextflow_versions: v.nextflowVersions,
          })),
        },
      };
    },
    getPipelineVersion({ pathParams, principal }) {
      const v = store.versions.get(pathParams.versionId);
      if (!v || !store.canReadVersion(v, principal)) return NOT_FOUND;
      return {
        status: 200,
        body: {
          id: v.id,
          name: v.name,
          long_description: v.longDescription,
          upstream_pipeline_versions: [],
          nextflow_versions: v.nextflowVersions,
          schema: v.schema,
        },
      };
    },
    runPipeline: (ctx) => runPipeline(ctx),
  };
}
