/** ODM sandbox routes: studies, samples, libraries and preparations (search, get, versions, by group). */
import type { Handler, HandlerResult, RequestContext } from "../../spec-router.js";
import type { ObjectKind } from "../catalog.js";
import { metadataPredicate } from "../query.js";
import { error, type OdmContext } from "../context.js";

/** Handlers by operationId. */
export function objectsRoutes(c: OdmContext): Record<string, Handler> {
  const { find, groups, guarded, listAnswer, lists, paged, present, sortObjects } = c;
  const objectHandlers = (kind: ObjectKind, label: string) => ({
    search: guarded((ctx) => {
      const { query } = ctx;
      const predicate = metadataPredicate(query.filter, query.query);
      const matching = sortObjects(
        predicate ? lists[kind].filter((o) => predicate(o.attrs)) : lists[kind],
        query.sort,
      );
      const page = paged(matching, query);
      const body = {
        ...page,
        data: page.data.map((o) => present(kind, o.attrs, query.returnedMetadataFields)),
      };
      return listAnswer(ctx, body, body.data);
    }),
    get: ({ pathParams, query }: RequestContext): HandlerResult => {
      const o = find(kind, pathParams.id);
      if (!o) return error(404, `${label} '${pathParams.id}' could not be found`);
      return { status: 200, body: present(kind, o.attrs, query.returnedMetadataFields) };
    },
    versions: ({ pathParams }: RequestContext): HandlerResult => {
      const o = find(kind, pathParams.id);
      if (!o) return error(404, `${label} '${pathParams.id}' could not be found`);
      return {
        status: 200,
        body: o.versions.map(({ version, author, message, timestamp }) => ({
          version,
          author,
          message,
          timestamp,
        })),
      };
    },
    version: ({ pathParams, query }: RequestContext): HandlerResult => {
      const o = find(kind, pathParams.id);
      if (!o) return error(404, `${label} '${pathParams.id}' could not be found`);
      const v = o.versions.find((x) => x.version === pathParams.version);
      if (!v) return error(404, `${label} '${o.accession}' has no version '${pathParams.version}'`);
      return { status: 200, body: present(kind, v.attrs, query.returnedMetadataFields) };
    },
  });
  const studies = objectHandlers("study", "Study");
  const samples = objectHandlers("sample", "Sample");
  const libraries = objectHandlers("library", "Library");
  const preparations = objectHandlers("preparation", "Preparation");

  const byGroup = (kind: "library" | "preparation") => (ctx: RequestContext) => {
    const group = groups.get(ctx.pathParams.id);
    if (!group || group.kind !== kind) return error(404, `Group '${ctx.pathParams.id}' could not be found`);
    const members = lists[kind].filter((o) => o.group === group.accession);
    const page = paged(members, ctx.query);
    return {
      status: 200,
      body: { ...page, data: page.data.map((o) => present(kind, o.attrs, ctx.query.returnedMetadataFields)) },
    };
  };

  return {
    searchStudiesAsUser: studies.search,
    getStudyAsUser: studies.get,
    getStudyVersionsAsUser: studies.versions,
    getStudyByVersionAsUser: studies.version,
    searchSamplesAsUser: samples.search,
    getSampleAsUser: samples.get,
    getSampleVersionsAsUser: samples.versions,
    getSampleByVersionAsUser: samples.version,
    searchLibrariesAsUser: libraries.search,
    getLibraryAsUser: libraries.get,
    getLibraryVersionsAsUser: libraries.versions,
    getLibraryByVersionAsUser: libraries.version,
    getLibrariesByGroupAsUser: byGroup("library"),
    searchPreparationsAsUser: preparations.search,
    getPreparationAsUser: preparations.get,
    getPreparationVersionsAsUser: preparations.versions,
    getPreparationByVersionAsUser: preparations.version,
    getPreparationsByGroupAsUser: byGroup("preparation"),
  };
}
