/** Flow sandbox routes: samples: search, lists, detail, sub-resources, vocabularies, sharing. */
import { type Principal } from "../store.js";
import { NOT_FOUND, contains, paged, sortBy } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function samplesRoutes(c: FlowContext): Record<string, Handler> {
  const {
    store,
    engine,
    views,
    visibleSamples,
    sharedWith,
    createdRange,
    ownerMatches,
    share,
    transfer,
    remove,
    batchDelete,
    sampleTypeRegistry,
    sampleFilter,
    executionFilter,
  } = c;
  return {
    listOwnedSamples({ query, principal }) {
      const p = principal as Principal;
      let samples = visibleSamples(p).filter((s) => store.owns(s, p));
      if (query.filter) samples = samples.filter((s) => sampleFilter(s, query.filter));
      if (query.organism) samples = samples.filter((s) => s.organism === query.organism);
      return paged(
        "samples",
        sortBy(samples, "-created", (s) => s.name),
        query,
        (s) => views.sampleRow(s, p),
      );
    },
    listSharedSamples({ query, principal }) {
      const p = principal as Principal;
      const samples = visibleSamples(p).filter((s) => sharedWith(s, p));
      return paged(
        "samples",
        sortBy(samples, "-created", (s) => s.name),
        query,
        (s) => views.sampleRow(s, p),
      );
    },
    searchSamples({ query, rawQuery, principal }) {
      const p = principal as Principal | undefined;
      let samples = visibleSamples(p);
      if (query.owned === true) samples = samples.filter((s) => (p ? store.owns(s, p) : s.ownerId === null));
      if (query.name) samples = samples.filter((s) => contains(s.name, query.name));
      if (query.organism) {
        const o = String(query.organism);
        if (/^(true|yes|1)$/i.test(o)) samples = samples.filter((s) => s.organism !== null);
        else if (/^(false|no|0)$/i.test(o)) samples = samples.filter((s) => s.organism === null);
        else samples = samples.filter((s) => s.organism === o);
      }
      if (query.sample_types) {
        const types = new Set(
          String(query.sample_types)
            .split(",")
            .map((t) => t.trim()),
        );
        samples = samples.filter((s) => s.sampleType !== null && types.has(s.sampleType));
      }
      if (query.owner) samples = samples.filter((s) => ownerMatches(s, query.owner));
      if (query.project)
        samples = samples.filter((s) =>
          contains(s.projectId ? store.projects.get(s.projectId)?.name : "", query.project),
        );
      samples = createdRange(samples, query);
      // Metadata filters: ?<attribute identifier>=<substring | true | false>.
      for (const attribute of store.attributes.keys()) {
        const wanted = rawQuery.getAll(attribute).at(-1);
        if (wanted === undefined) continue;
        if (/^(true|yes|1)$/i.test(wanted))
          samples = samples.filter((s) => s.metadata[attribute] !== undefined);
        else if (/^(false|no|0)$/i.test(wanted))
          samples = samples.filter((s) => s.metadata[attribute] === undefined);
        else samples = samples.filter((s) => contains(s.metadata[attribute]?.value, wanted));
      }
      const sorted = sortBy(samples, query.sort, (s) => s.name);
      return paged("samples", sorted, query, (s) => views.sampleRow(s, p, query.full_metadata === true));
    },
    getSample({ pathParams, principal }) {
      const s = store.samples.get(pathParams.sampleId);
      if (!s || !store.canReadSample(s, principal)) return NOT_FOUND;
      return { status: 200, body: views.sampleDetail(s, principal) };
    },
    listSampleData({ pathParams, query, principal }) {
      const s = store.samples.get(pathParams.sampleId);
      if (!s || !store.canReadSampleStrict(s, principal)) return NOT_FOUND;
      let data = store.sampleData(s).filter((d) => store.canReadData(d, principal));
      if (query.filter) {
        data = data.filter((d) => {
          const e = d.executionId ? store.executions.get(d.executionId) : undefined;
          return [
            d.filename,
            d.processName,
            e && store.pipelineOfExecution(e).pipeline.name,
            s.name,
            store.ownerName(d),
          ].some((v) => contains(v ?? "", query.filter));
        });
      }
      return paged(
        "data",
        sortBy(data, "-created", (d) => d.filename),
        query,
        (d) => views.dataRow(d, principal, true),
      );
    },
    listSampleExecutions({ pathParams, query, principal }) {
      const s = store.samples.get(pathParams.sampleId);
      if (!s || !store.canReadSampleStrict(s, principal)) return NOT_FOUND;
      engine.advanceAll();
      let executions = store.sampleExecutions(s).filter((e) => store.canReadExecution(e, principal));
      if (query.filter) executions = executions.filter((e) => executionFilter(e, query.filter));
      return paged(
        "executions",
        sortBy(executions, "-created", (e) => e.identifier),
        query,
        (e) => views.executionRow(e, principal, { isoDates: true }),
      );
    },
    shareSample: (ctx) => {
      const s = store.samples.get(ctx.pathParams.sampleId);
      return share(s!, !!s && store.canReadSample(s, ctx.principal), ctx);
    },
    transferSample: (ctx) => {
      const s = store.samples.get(ctx.pathParams.sampleId);
      return transfer(s!, !!s && store.canReadSample(s, ctx.principal), ctx);
    },
    deleteSample: ({ pathParams, principal }) => {
      const s = store.samples.get(pathParams.sampleId);
      return remove(s!, !!s && store.canReadSample(s, principal), principal);
    },
    deleteSamplesBatch: (ctx) =>
      batchDelete(
        ctx,
        (id) => store.samples.get(id),
        (s) => store.canReadSample(s, ctx.principal),
      ),
    listSampleSources: () => ({ status: 200, body: { sources: store.sources } }),
    listPurificationTargets: () => ({ status: 200, body: { targets: store.purificationTargets } }),
    listSampleTypes() {
      const types = [...store.sampleTypes.values()].sort((a, b) => a.name.localeCompare(b.name));
      return {
        status: 200,
        body: types.map((t) => ({
          identifier: t.identifier,
          name: t.name,
          description: t.description,
          sample_count: [...store.samples.values()].filter((s) => s.sampleType === t.identifier && !s.removed)
            .length,
          attributes: [...store.attributes.values()]
            .filter(
              (a) =>
                a.options &&
                [...store.samples.values()].some(
                  (s) => s.sampleType === t.identifier && s.metadata[a.identifier],
                ),
            )
            .map((a) => ({ identifier: a.identifier, name: a.name })),
        })),
      };
    },
    createSampleType: sampleTypeRegistry.create,
    editSampleType: sampleTypeRegistry.edit,
    deleteSampleType: sampleTypeRegistry.remove,
    listSampleMetadataAttributes() {
      const attributes = [...store.attributes.values()].sort((a, b) => a.order - b.order);
      return {
        status: 200,
        body: attributes.map((a) => ({
          identifier: a.identifier,
          name: a.name,
          description: a.description,
          in_table: a.inTable,
          has_options: a.options !== null,
          all_sample_types: a.requiredFor.length === 0,
          regex_validator: a.regex,
          required: a.required,
          required_for_public: false,
          is_list: a.isList,
          allow_user_terms: a.allowUserTerms,
          allow_annotation: a.allowAnnotation,
          url_pattern: a.urlPattern,
          order: a.order,
          sample_count: [...store.samples.values()].filter((s) => !s.removed && s.metadata[a.identifier])
            .length,
          sample_type_links: a.requiredFor.map((t) => ({
            sample_type_identifier: t,
            sample_type_name: store.sampleTypes.get(t)?.name ?? t,
            required: true,
            required_for_public: false,
          })),
        })),
      };
    },
    listMetadataOptions({ pathParams, query, principal }) {
      const attribute = store.attributes.get(pathParams.identifier);
      if (!attribute) return NOT_FOUND;
      const p = principal as Principal | undefined;
      const all = (attribute.options ?? []).filter((o) => o.validated || (p && o.ownerId === p.user.id));
      let options = all;
      if (query.validated !== undefined)
        options =
          query.validated === "true"
            ? options.filter((o) => o.validated)
            : options.filter((o) => !o.validated);
      if (query.value) options = options.filter((o) => contains(o.value, query.value));
      options = [...options].sort((a, b) => a.value.localeCompare(b.value));
      return {
        status: 200,
        body: {
          count: options.length,
          total_count: all.length,
          options: options.slice(0, 100).map((o) => ({ id: o.id, value: o.value, validated: o.validated })),
        },
      };
    },
  };
}
