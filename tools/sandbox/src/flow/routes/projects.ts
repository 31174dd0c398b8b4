/** Flow sandbox routes: projects: search, lists, detail, sub-resources, metadata, sharing. */
import { type Principal, type Project, type Sample } from "../store.js";
import { NOT_FOUND, bad, ok, nowSeconds, contains, paged, sortBy } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function projectsRoutes(c: FlowContext): Record<string, Handler> {
  const {
    store,
    ownedBy,
    engine,
    views,
    need,
    editable,
    visibleProjects,
    sharedWith,
    createdRange,
    ownerMatches,
    organismId,
    share,
    transfer,
    remove,
    sampleFilter,
    executionFilter,
  } = c;
  return {
    listProjects: ({ query, principal }) =>
      paged(
        "projects",
        sortBy(visibleProjects(principal), "-created", (pr) => pr.name),
        query,
        (pr) => views.projectRow(pr, principal),
      ),
    listOwnedProjects({ query, principal }) {
      const p = principal as Principal;
      let projects = visibleProjects(p).filter((pr) => store.owns(pr, p));
      if (query.filter)
        projects = projects.filter(
          (pr) => contains(pr.name, query.filter) || contains(pr.description, query.filter),
        );
      return paged(
        "projects",
        sortBy(projects, "-created", (pr) => pr.name),
        query,
        (pr) => views.projectRow(pr, p),
      );
    },
    listSharedProjects({ query, principal }) {
      const p = principal as Principal;
      const projects = visibleProjects(p).filter((pr) => sharedWith(pr, p));
      return paged(
        "projects",
        sortBy(projects, "-created", (pr) => pr.name),
        query,
        (pr) => views.projectRow(pr, p),
      );
    },
    listPublicProjects({ query, principal }) {
      let projects = [...store.projects.values()].filter((pr) => !pr.private && !pr.removed);
      if (query.filter)
        projects = projects.filter(
          (pr) => contains(pr.name, query.filter) || contains(pr.description, query.filter),
        );
      if (query.organism) projects = projects.filter((pr) => pr.organism === query.organism);
      return paged(
        "projects",
        sortBy(projects, "-created", (pr) => pr.name),
        query,
        (pr) => views.projectRow(pr, principal),
      );
    },
    searchProjects({ query, principal }) {
      let projects = visibleProjects(principal);
      if (query.name) projects = projects.filter((pr) => contains(pr.name, query.name));
      if (query.description) projects = projects.filter((pr) => contains(pr.description, query.description));
      if (query.owner) projects = projects.filter((pr) => ownerMatches(pr, query.owner));
      projects = createdRange(projects, query);
      if (query.sample_types) {
        const types = new Set(
          String(query.sample_types)
            .split(",")
            .map((t) => t.trim()),
        );
        projects = projects.filter((pr) =>
          store.projectSamples(pr.id).some((s) => s.sampleType && types.has(s.sampleType)),
        );
      }
      if (query.pipeline) {
        projects = projects.filter((pr) =>
          store
            .projectExecutions(pr)
            .some((e) => store.pipelineOfExecution(e).pipeline.id === query.pipeline),
        );
      }
      return paged(
        "projects",
        sortBy(projects, query.sort, (pr) => pr.name),
        query,
        (pr) => views.projectRow(pr, principal),
      );
    },
    createProject({ body, principal }) {
      const p = principal as Principal;
      const refusal = need(p, "write");
      if (refusal) return refusal;
      if (!String(body.name).trim()) return bad({ name: ["This field may not be blank."] });
      if (visibleProjects(p).some((pr) => store.owns(pr, p) && pr.name === body.name))
        return bad({ name: ["You already have a project with this name."] });
      let organism: string | null = null;
      if (body.organism) {
        organism = organismId(String(body.organism)) ?? null;
        if (!organism) return bad({ organism: [`Unknown organism ${String(body.organism)}`] });
      }
      const project: Project = {
        id: store.nextId("project"),
        name: body.name,
        description: body.description ?? "",
        created: nowSeconds(),
        organism,
        papers: [],
        ...ownedBy(p.user, body.is_public !== true),
      };
      store.projects.set(project.id, project);
      return { status: 200, body: views.projectDetail(project, p) };
    },
    getProject({ pathParams, principal }) {
      const pr = store.projects.get(pathParams.projectId);
      if (!pr || !store.canReadProject(pr, principal)) return NOT_FOUND;
      return { status: 200, body: views.projectDetail(pr, principal) };
    },
    listProjectSamples({ pathParams, query, principal }) {
      const pr = store.projects.get(pathParams.projectId);
      if (!pr || !store.canReadProject(pr, principal)) return NOT_FOUND;
      let samples = store.projectSamples(pr.id).filter((s) => store.canReadSample(s, principal));
      if (query.filter) samples = samples.filter((s) => sampleFilter(s, query.filter));
      return paged(
        "samples",
        sortBy(samples, "-created", (s) => s.name),
        query,
        (s) => views.sampleRow(s, principal),
      );
    },
    listProjectExecutions({ pathParams, query, principal }) {
      const pr = store.projects.get(pathParams.projectId);
      if (!pr || !store.canReadProject(pr, principal)) return NOT_FOUND;
      engine.advanceAll();
      let executions = store.projectExecutions(pr).filter((e) => store.canReadExecution(e, principal));
      if (query.filter) executions = executions.filter((e) => executionFilter(e, query.filter));
      return paged(
        "executions",
        sortBy(executions, "-created", (e) => e.identifier),
        query,
        (e) => views.executionRow(e, principal),
      );
    },
    listProjectData({ pathParams, query, principal }) {
      const pr = store.projects.get(pathParams.projectId);
      if (!pr || !store.canReadProject(pr, principal)) return NOT_FOUND;
      const data = store
        .projectSamples(pr.id)
        .flatMap((s) => store.sampleData(s))
        .filter((d) => store.canReadData(d, principal));
      return paged(
        "data",
        sortBy([...new Set(data)], "-created", (d) => d.filename),
        query,
        (d) => views.dataRow(d, principal),
      );
    },
    updateProjectMetadata({ pathParams, body, principal }) {
      const pr = store.projects.get(pathParams.projectId);
      const refusal = editable(pr, !!pr && store.canReadProject(pr, principal), principal);
      if (refusal) return refusal;
      const updates = (body as { samples: { id: string | number; metadata: Record<string, string> }[] })
        .samples;
      for (const update of updates) {
        const s = store.samples.get(String(update.id));
        if (!s || s.projectId !== pr!.id || s.removed)
          return bad({ samples: [`Sample ${update.id} is not in this project`] });
        for (const [key, value] of Object.entries(update.metadata)) {
          const attribute = store.attributes.get(key);
          if (!attribute) return bad({ samples: [`Unknown metadata attribute ${key}`] });
          if (
            attribute.options &&
            !attribute.allowUserTerms &&
            !attribute.options.some((o) => o.validated && o.value === value)
          )
            return bad({ [key]: [`Select a valid choice. ${value} is not one of the available choices.`] });
        }
      }
      for (const update of updates) {
        const s = store.samples.get(String(update.id))!;
        for (const [key, value] of Object.entries(update.metadata))
          s.metadata[key] = { value, annotation: null };
      }
      return ok(`Updated ${updates.length} samples`);
    },
    shareProject: (ctx) => {
      const pr = store.projects.get(ctx.pathParams.projectId);
      return share(pr!, !!pr && store.canReadProject(pr, ctx.principal), ctx);
    },
    transferProject: (ctx) => {
      const pr = store.projects.get(ctx.pathParams.projectId);
      return transfer(pr!, !!pr && store.canReadProject(pr, ctx.principal), ctx);
    },
    deleteProject: ({ pathParams, principal }) => {
      const pr = store.projects.get(pathParams.projectId);
      return remove(pr!, !!pr && store.canReadProject(pr, principal), principal);
    },
  };
}
