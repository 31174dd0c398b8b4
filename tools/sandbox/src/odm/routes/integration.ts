/** ODM sandbox routes: the integration links between studies, samples, libraries, preparations, files and runs. */
import type { Handler, RequestContext } from "../../spec-router.js";
import type { GroupKind, MetaObject, ObjectKind } from "../catalog.js";
import { metadataPredicate } from "../query.js";
import { error, type DataKind, type OdmContext } from "../context.js";

/** Handlers by operationId. */
export function integrationRoutes(c: OdmContext): Record<string, Handler> {
  const {
    catalog,
    children,
    find,
    groups,
    guarded,
    listAnswer,
    lists,
    notRetrievable,
    objects,
    paged,
    present,
    presentFile,
    runObject,
    sampleArg,
    sortObjects,
    studyArg,
  } = c;
  /** Link endpoints of the form `{target}s/by/{source}s` with filter/query on the source. */
  const linkByQuery = (source: ObjectKind, target: ObjectKind) =>
    guarded((ctx) => {
      const predicate = metadataPredicate(ctx.query.filter, ctx.query.query);
      const matched = predicate ? lists[source].filter((o) => predicate(o.attrs)) : lists[source];
      const linked = new Map<string, MetaObject>();
      const add = (o: MetaObject | undefined) => o && linked.set(o.accession, o);
      for (const o of matched) {
        if (target === "study") {
          const sample = source === "sample" ? o : objects.get(o.parent ?? "");
          add(objects.get(sample?.parent ?? ""));
        } else if (target === "sample") add(objects.get(o.parent ?? ""));
        else children(target as "library" | "preparation", o.accession).forEach(add);
      }
      const page = paged(sortObjects([...linked.values()], "id"), ctx.query);
      const body = {
        ...page,
        data: page.data.map((o) => present(target, o.attrs, ctx.query.returnedMetadataFields)),
      };
      return listAnswer(ctx, body, body.data);
    });

  const runsBySample = (kind: DataKind) => (ctx: RequestContext) => {
    const sample = sampleArg(ctx);
    if (!sample) return notRetrievable("Sample", ctx.pathParams.id);
    const linked = catalog.runs
      .filter((r) => r.sample === sample.accession && groups.get(r.group)?.kind === kind)
      .map((r) => runObject(r.accession));
    const body = paged(linked, ctx.query);
    return listAnswer(ctx, body, body.data);
  };
  const groupsByStudy = (kind: GroupKind) => (ctx: RequestContext) => {
    const study = studyArg(ctx);
    if (!study) return error(400, `Invalid study accession '${ctx.pathParams.id}'`);
    return {
      status: 200,
      body: catalog.groups
        .filter((g) => g.kind === kind && g.study === study.accession)
        .map((g) => ({ itemId: g.accession, metadata: { ...g.attrs } })),
    };
  };
  const childrenBySample = (kind: "library" | "preparation") => (ctx: RequestContext) => {
    const sample = sampleArg(ctx);
    if (!sample) return notRetrievable("Sample", ctx.pathParams.id);
    const rows = children(kind, sample.accession).map((o) =>
      present(kind, o.attrs, ctx.query.returnedMetadataFields),
    );
    return listAnswer(ctx, rows, rows);
  };

  return {
    getSamplesByStudyAsUser(ctx) {
      const study = studyArg(ctx);
      if (!study) return notRetrievable("Study", ctx.pathParams.id);
      const linked = catalog.samples.filter((s) => s.parent === study.accession);
      const page = paged(linked, ctx.query);
      const body = {
        ...page,
        data: page.data.map((o) => present("sample", o.attrs, ctx.query.returnedMetadataFields)),
      };
      return listAnswer(ctx, body, body.data);
    },
    getFilesByStudyAsUser(ctx) {
      const study = studyArg(ctx);
      if (!study) return notRetrievable("Study", ctx.pathParams.id);
      return {
        status: 200,
        body: catalog.files
          .filter((f) => f.study === study.accession)
          .map((f) => presentFile(f, ctx.query.includeContents)),
      };
    },
    getStudyBySampleAsUser(ctx) {
      const sample = sampleArg(ctx);
      const study = sample ? find("study", sample.parent ?? "") : undefined;
      if (!study) return error(400, `No study is linked to '${ctx.pathParams.id}'`);
      return { status: 200, body: present("study", study.attrs, ctx.query.returnedMetadataFields) };
    },
    getLibraryBySampleAsUser: childrenBySample("library"),
    getPreparationBySampleAsUser: childrenBySample("preparation"),
    getExpressionBySampleAsUser: runsBySample("expression"),
    getVariantBySampleAsUser: runsBySample("variant"),
    getFlowCytometryBySampleAsUser: runsBySample("flow-cytometry"),
    getExpressionGroupsByStudyAsUser: groupsByStudy("expression"),
    getVariantGroupsByStudyAsUser: groupsByStudy("variant"),
    getFlowCytometryGroupsByStudyAsUser: groupsByStudy("flow-cytometry"),
    getLibraryGroupsByStudyAsUser: groupsByStudy("library"),
    getPreparationGroupsByStudyAsUser: groupsByStudy("preparation"),
    getStudiesBySamplesAsUser: linkByQuery("sample", "study"),
    getStudiesByLibrariesAsUser: linkByQuery("library", "study"),
    getStudiesByPreparationsAsUser: linkByQuery("preparation", "study"),
    getSamplesByLibrariesAsUser: linkByQuery("library", "sample"),
    getSamplesByPreparationsAsUser: linkByQuery("preparation", "sample"),
    getLibrariesBySamplesAsUser: linkByQuery("sample", "library"),
    getPreparationsBySamplesAsUser: linkByQuery("sample", "preparation"),
  };
}
