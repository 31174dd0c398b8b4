/** The ODM sandbox's omics conditions and cursor paging, shared by the omics queries and exports. */
import type { Attrs, DataItem, MetaObject } from "./catalog.js";
import { evaluate, metadataPredicate, parseFilter, QuerySyntaxError, type FilterNode } from "./query.js";
import { type DataKind, DATA_PARAMS, dataSubject, type OdmContext } from "./context.js";

/** What a sample, a data item and a group must satisfy to match an omics query. */
export interface Conditions {
  sample: (sample: MetaObject) => boolean;
  item: Record<DataKind, ((item: DataItem) => boolean) | undefined>;
  group: Record<DataKind, ((attrs: Attrs) => boolean) | undefined>;
}

/** The omics query helpers over a sandbox's state. */
export function omicsQuery(c: OdmContext) {
  const { catalog, children, groups, guarded, itemsBySample, objects } = c;
  // ------------------------------------------------------------------ omics conditions
  const dataPredicate = (kind: DataKind, text: string | undefined) => {
    if (!text) return undefined;
    const node: FilterNode = parseFilter(text);
    return (item: DataItem) => evaluate(node, dataSubject(kind, item));
  };
  const groupPredicate = (text: string | undefined) => metadataPredicate(text, undefined);

  /** Builds the omics conditions; `self` is the data kind being searched (its query applies per item). */
  const conditions = (query: Record<string, any>, self?: DataKind): Conditions => {
    const study = metadataPredicate(query.studyFilter, query.studyQuery);
    const sample = metadataPredicate(query.sampleFilter, query.sampleQuery);
    const library = metadataPredicate(query.libraryFilter, query.libraryQuery);
    const preparation = metadataPredicate(query.preparationFilter, query.preparationQuery);
    const item = {} as Conditions["item"];
    const group = {} as Conditions["group"];
    for (const kind of Object.keys(DATA_PARAMS) as DataKind[]) {
      item[kind] = dataPredicate(kind, query[DATA_PARAMS[kind].query]);
      group[kind] = groupPredicate(query[DATA_PARAMS[kind].filter]);
    }
    const itemMatches = (kind: DataKind, it: DataItem) =>
      (!item[kind] || item[kind]!(it)) &&
      (!group[kind] || group[kind]!(groups.get(it.itemOrigin.groupId)!.attrs));
    return {
      item,
      group,
      sample(s) {
        if (sample && !sample(s.attrs)) return false;
        if (study) {
          const parent = s.parent ? objects.get(s.parent) : undefined;
          if (!parent || !study(parent.attrs)) return false;
        }
        if (library && !children("library", s.accession).some((l) => library(l.attrs))) return false;
        if (preparation && !children("preparation", s.accession).some((p) => preparation(p.attrs)))
          return false;
        for (const kind of Object.keys(DATA_PARAMS) as DataKind[]) {
          if (kind === self || (!item[kind] && !group[kind])) continue;
          const items = itemsBySample.get(s.accession)?.[kind] ?? [];
          if (!items.some((it) => itemMatches(kind, it))) return false;
        }
        return true;
      },
    };
  };

  const CURSOR_FORMAT = /^GSF\d+(-[^\s]+)?$/;
  const cursorPage = <T>(sorted: T[], key: (t: T) => string, query: Record<string, any>) => {
    const cursor = query.cursor as string | undefined;
    if (cursor !== undefined && !CURSOR_FORMAT.test(cursor))
      throw new QuerySyntaxError(`Invalid cursor: ${cursor}`);
    const limit = (query.pageLimit as number | undefined) ?? 2000;
    let start = 0;
    if (cursor !== undefined) {
      start = sorted.findIndex((t) => key(t) > cursor);
      if (start < 0) start = sorted.length;
    }
    const data = sorted.slice(start, start + limit);
    const body: { data: T[]; cursor?: string; resultsExhausted: boolean; log: string[] } = {
      data,
      resultsExhausted: start + data.length >= sorted.length,
      log: [],
    };
    if (data.length > 0) body.cursor = key(data[data.length - 1]!);
    return body;
  };

  const sampleOf = (item: DataItem) => objects.get(item.relationships.sample ?? "");
  const searchData = (kind: DataKind) =>
    guarded(({ query }) => {
      const c = conditions(query, kind);
      const matches = catalog.items[kind].filter((it) => {
        if (c.item[kind] && !c.item[kind]!(it)) return false;
        if (c.group[kind] && !c.group[kind]!(groups.get(it.itemOrigin.groupId)!.attrs)) return false;
        const sample = sampleOf(it);
        return sample !== undefined && c.sample(sample);
      });
      return { status: 200, body: cursorPage(matches, (it) => it.itemId, query) };
    });
  const hasConditions = (query: Record<string, any>) =>
    Object.entries(query).some(([k, v]) => v !== undefined && /(Filter|Query)$/.test(k));
  const searchGroups = (kind: DataKind) =>
    guarded(({ query }) => {
      const c = conditions(query, kind);
      const conditional = hasConditions(query);
      const matching = catalog.groups
        .filter((g) => g.kind === kind)
        .filter((g) => {
          if (c.group[kind] && !c.group[kind]!(g.attrs)) return false;
          const items = catalog.items[kind].filter((it) => it.itemOrigin.groupId === g.accession);
          if (items.length === 0) return !conditional;
          return items.some((it) => {
            if (c.item[kind] && !c.item[kind]!(it)) return false;
            const sample = sampleOf(it);
            return sample !== undefined && c.sample(sample);
          });
        })
        .sort((a, b) => a.accession.localeCompare(b.accession));
      const page = cursorPage(matching, (g) => g.accession, query);
      return { status: 200, body: { ...page, data: page.data.map((g) => ({ ...g.attrs })) } };
    });

  return {
    CURSOR_FORMAT,
    conditions,
    cursorPage,
    dataPredicate,
    groupPredicate,
    hasConditions,
    sampleOf,
    searchData,
    searchGroups,
  };
}
