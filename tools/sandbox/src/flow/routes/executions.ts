/** Flow sandbox routes: executions: search, lists, detail with logs, cancel, sharing. */
import { IN_FLIGHT } from "../executions.js";
import { type Execution, type Principal } from "../store.js";
import {
  NOT_FOUND,
  FORBIDDEN_SCOPE,
  FORBIDDEN,
  bad,
  nowSeconds,
  contains,
  paged,
  sortBy,
} from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function executionsRoutes(c: FlowContext): Record<string, Handler> {
  const {
    store,
    engine,
    views,
    visibleExecutions,
    sharedWith,
    createdRange,
    ownerMatches,
    share,
    transfer,
    remove,
    batchDelete,
  } = c;
  return {
    searchExecutions({ query, principal }) {
      const p = principal as Principal | undefined;
      let executions = visibleExecutions(p);
      const pv = (e: Execution) => store.pipelineOfExecution(e);
      if (query.name) {
        executions = executions.filter((e) => {
          const { pipeline, version } = pv(e);
          const fileset = e.filesetId ? store.filesets.get(e.filesetId) : undefined;
          const organism = fileset?.organism ? store.organisms.get(fileset.organism)?.name : undefined;
          return [pipeline.name, version.name, organism, fileset?.name].some((v) => contains(v, query.name));
        });
      }
      if (query.owned === true)
        executions = executions.filter((e) => (p ? store.owns(e, p) : e.ownerId === null));
      if (query.pipeline) executions = executions.filter((e) => pv(e).pipeline.id === query.pipeline);
      if (query.pipeline_version)
        executions = executions.filter((e) => e.versionId === query.pipeline_version);
      if (query.pipeline_versions) {
        const wanted = new Set(
          String(query.pipeline_versions)
            .split(",")
            .map((s) => s.trim()),
        );
        executions = executions.filter((e) => wanted.has(e.versionId));
      }
      if (query.organism) {
        executions = executions.filter((e) => {
          const fileset = e.filesetId ? store.filesets.get(e.filesetId) : undefined;
          return fileset?.organism === query.organism;
        });
      }
      if (query.status !== undefined) executions = executions.filter((e) => e.status === query.status);
      if (query.owner) executions = executions.filter((e) => ownerMatches(e, query.owner));
      executions = createdRange(executions, query);
      const duration = (e: Execution) =>
        e.started !== null && e.finished !== null ? e.finished - e.started : undefined;
      if (query.duration_gt !== undefined)
        executions = executions.filter((e) => (duration(e) ?? -1) >= query.duration_gt);
      if (query.duration_lt !== undefined)
        executions = executions.filter((e) => {
          const d = duration(e);
          return d !== undefined && d <= query.duration_lt;
        });
      if (query.process_execution)
        executions = executions.filter((e) =>
          e.processes.some((pe) => contains(pe.name, query.process_execution)),
        );
      if (query.nextflow_version)
        executions = executions.filter((e) => e.nextflowVersion === query.nextflow_version);
      if (query.terminal)
        executions = executions.filter(
          (e) => contains(e.stdout, query.terminal) || contains(e.stderr, query.terminal),
        );
      const sorted = sortBy(executions, query.sort, (e) => e.identifier);
      return paged("executions", sorted, query, (e) =>
        views.executionRow(e, p, {
          returnData: query.return_data === true,
          returnInputs: query.return_inputs === true,
        }),
      );
    },
    listOwnedExecutions({ query, principal }) {
      const p = principal as Principal;
      let executions = visibleExecutions(p).filter((e) => store.owns(e, p));
      if (query.status !== undefined) executions = executions.filter((e) => e.status === query.status);
      if (query.pipeline)
        executions = executions.filter((e) => store.pipelineOfExecution(e).pipeline.id === query.pipeline);
      return paged(
        "executions",
        sortBy(executions, "-created", (e) => e.identifier),
        query,
        (e) => views.executionRow(e, p),
      );
    },
    listSharedExecutions({ query, principal }) {
      const p = principal as Principal;
      const executions = visibleExecutions(p).filter((e) => sharedWith(e, p));
      return paged(
        "executions",
        sortBy(executions, "-created", (e) => e.identifier),
        query,
        (e) => views.executionRow(e, p),
      );
    },
    getExecution({ pathParams, query, principal }) {
      const e = store.executions.get(pathParams.executionId);
      if (!e || !store.canReadExecution(e, principal)) return NOT_FOUND;
      const include = query.include as string[] | undefined;
      const exclude = query.exclude as string[] | undefined;
      if (include?.length && exclude?.length) return bad("Cannot use both include and exclude");
      const detail = views.executionDetail(e, principal, (query.log as number | undefined) ?? 0);
      if (include?.length)
        for (const key of Object.keys(detail)) if (!include.includes(key)) delete detail[key];
      if (exclude?.length) for (const key of exclude) delete detail[key];
      return { status: 200, body: detail };
    },
    cancelExecution({ pathParams, principal }) {
      const p = principal as Principal;
      const e = store.executions.get(pathParams.executionId);
      if (!e || !store.canReadExecution(e, p)) return NOT_FOUND;
      if (!store.canEdit(e, p)) return FORBIDDEN;
      if (!p.scopes.has("run")) return FORBIDDEN_SCOPE;
      if (!engine.cancel(e))
        return {
          status: 200,
          body: { success: false, message: `Execution already finished (${e.status})` },
        };
      return { status: 200, body: { success: true, message: "Execution cancellation requested" } };
    },
    shareExecution: (ctx) => {
      const e = store.executions.get(ctx.pathParams.executionId);
      return share(e!, !!e && store.canReadExecution(e, ctx.principal), ctx);
    },
    transferExecution: (ctx) => {
      const e = store.executions.get(ctx.pathParams.executionId);
      return transfer(e!, !!e && store.canReadExecution(e, ctx.principal), ctx);
    },
    deleteExecution: ({ pathParams, principal }) => {
      const e = store.executions.get(pathParams.executionId);
      return remove(e!, !!e && store.canReadExecution(e, principal), principal);
    },
    deleteExecutionsBatch: (ctx) =>
      batchDelete(
        ctx,
        (id) => store.executions.get(id),
        (e) => store.canReadExecution(e, ctx.principal),
      ),
    getQueueStatus({ principal }) {
      const p = principal as Principal;
      engine.advanceAll();
      const all = [...store.executions.values()].filter((e) => !e.removed);
      const inFlight = all.filter((e) => IN_FLIGHT.has(e.status)).sort((a, b) => a.created - b.created);
      const today = nowSeconds() - 86400;
      return {
        status: 200,
        body: {
          pending: inFlight.filter((e) => e.status === "").length,
          running: inFlight.filter((e) => e.status === "-").length,
          completed_today: all.filter((e) => e.status === "OK" && (e.finished ?? 0) >= today).length,
          failed_today: all.filter((e) => e.status === "ERROR" && (e.finished ?? 0) >= today).length,
          queue: inFlight
            .map((e, i) => ({ e, position: i + 1 }))
            .filter(({ e }) => store.canReadExecution(e, p))
            .map(({ e, position }) => ({
              id: e.id,
              name: `${store.pipelineOfExecution(e).pipeline.name} ${e.identifier}`,
              status: e.status === "" ? "pending" : "running",
              position,
              submitted: e.created,
            })),
        },
      };
    },
  };
}
