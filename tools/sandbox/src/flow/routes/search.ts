/** Flow sandbox routes: quick search across samples, projects, data and executions. */
import { contains } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function searchRoutes(c: FlowContext): Record<string, Handler> {
  const { store, visibleSamples, visibleData, visibleExecutions, visibleProjects } = c;
  return {
    quickSearch({ query, principal }) {
      const q = String(query.q);
      const limit = (query.limit as number | undefined) ?? 10;
      const hits = <T>(items: T[], type: string, name: (t: T) => string, id: (t: T) => string, url: string) =>
        items
          .filter((i) => contains(name(i), q))
          .slice(0, limit)
          .map((i) => ({ id: id(i), name: name(i), type, url: `/${url}/${id(i)}/` }));
      const results = {
        samples: hits(
          visibleSamples(principal),
          "sample",
          (s) => s.name,
          (s) => s.id,
          "samples",
        ),
        projects: hits(
          visibleProjects(principal),
          "project",
          (pr) => pr.name,
          (pr) => pr.id,
          "projects",
        ),
        executions: hits(
          visibleExecutions(principal),
          "execution",
          (e) => `${e.identifier} ${store.pipelineOfExecution(e).pipeline.name}`,
          (e) => e.id,
          "executions",
        ),
        data: hits(
          visibleData(principal),
          "data",
          (d) => d.filename,
          (d) => d.id,
          "data",
        ),
      };
      const total = Object.values(results).reduce((n, list) => n + list.length, 0);
      return { status: 200, body: { results, total_count: total, query: q } };
    },
    getSearchInfo: ({ principal }) => ({
      status: 200,
      body: {
        organisms: [...store.organisms.values()].map((o) => ({ id: o.id, name: o.name })),
        pipelines: [...store.pipelines.values()]
          .filter((pl) => store.visibleVersions(pl, principal).length > 0)
          .map((pl) => ({ id: pl.id, name: pl.name })),
        sample_types: [...store.sampleTypes.keys()],
        data_types: [...store.dataTypes.keys()],
      },
    }),
  };
}
