/** Flow sandbox routes: filesets: search, detail and their executions. */
import { NOT_FOUND, contains, paged, sortBy } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function filesetsRoutes(c: FlowContext): Record<string, Handler> {
  const { store, views, visibleExecutions, filesetReadable } = c;
  return {
    searchFilesets({ query, principal }) {
      let filesets = [...store.filesets.values()].filter((f) => filesetReadable(f, principal));
      if (query.filter) filesets = filesets.filter((f) => contains(f.name, query.filter));
      if (query.sample) filesets = filesets.filter((f) => f.sampleId === query.sample);
      if (query.has_data !== undefined)
        filesets = filesets.filter((f) =>
          f.dataIds.some((id) => store.data.get(id)?.ready) ? query.has_data : !query.has_data,
        );
      return paged(
        "filesets",
        sortBy(filesets, "-created", (f) => f.name),
        query,
        (f) => views.fileset(f),
      );
    },
    getFileset({ pathParams, principal }) {
      const f = store.filesets.get(pathParams.filesetId);
      if (!f || !filesetReadable(f, principal)) return NOT_FOUND;
      return { status: 200, body: views.fileset(f) };
    },
    listFilesetExecutions({ pathParams, query, principal }) {
      const f = store.filesets.get(pathParams.filesetId);
      if (!f || !filesetReadable(f, principal)) return NOT_FOUND;
      const executions = visibleExecutions(principal).filter((e) => e.filesetId === f.id);
      return paged(
        "executions",
        sortBy(executions, "-created", (e) => e.identifier),
        query,
        (e) => views.executionRow(e, principal),
      );
    },
  };
}
