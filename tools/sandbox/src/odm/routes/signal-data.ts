/**
 * ODM sandbox routes: the signal-data endpoints (`/as-user/expressions`, `/variants`,
 * `/flow-cytometries`): items by cursor, one item, groups (offset), a group, its runs, a run's
 * group. The versions routes are not modelled (501).
 */
import type { Handler, RequestContext } from "../../spec-router.js";
import type { DataItem } from "../catalog.js";
import { metadataPredicate, QuerySyntaxError } from "../query.js";
import { error, type DataKind, type OdmContext } from "../context.js";

/** Operation ids per data kind, as the published definition names them. */
const IDS: Record<DataKind, Record<"list" | "get" | "groups" | "group" | "runs" | "groupByRun", string>> = {
  expression: {
    list: "getExpressionDataAsUser",
    get: "getExpressionAsUser",
    groups: "searchExpressionGroupsAsUser",
    group: "getExpressionGroupAsUser",
    runs: "searchExpressionRunsAsUser",
    groupByRun: "getExpressionGroupByRunAsUser",
  },
  variant: {
    list: "getAllVariantsAsUser",
    get: "getVariantAsUser",
    groups: "searchVariantGroupsAsUser",
    group: "getVariantGroupAsUser",
    runs: "searchVariantRunsAsUser",
    groupByRun: "getVariantGroupByRunAsUser",
  },
  "flow-cytometry": {
    list: "getFlowCytometryDataAsUser",
    get: "getFlowCytometryAsUser",
    groups: "searchFlowCytometryGroupsAsUser",
    group: "getFlowCytometryGroupAsUser",
    runs: "searchFlowCytometryRunsAsUser",
    groupByRun: "getFlowCytometryGroupByRunAsUser",
  },
};

/** An item as the API shows it: the sandbox's link bookkeeping left out. */
const shown = ({ relationships: _links, ...item }: DataItem) => item;
const asList = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
const CURSOR = /^GSF\d+(-[^\s]+)?$/;

/** Handlers by operationId. */
export function signalDataRoutes(c: OdmContext): Record<string, Handler> {
  const { catalog, groups, guarded, paged, runObject, runs } = c;

  /** Items of a kind matching the query's group filter and run, feature and value conditions. */
  const matching = (kind: DataKind, query: Record<string, any>) => {
    const onGroup = metadataPredicate(query.filter, query.query);
    const runIds = new Set(asList(query.runFilter));
    const runSources = new Set(asList(query.runSourceFilter));
    const features = new Set(asList(query.featureList));
    const min = (query.minExpressionLevel ?? query.minValue) as number | undefined;
    return catalog.items[kind].filter((it) => {
      if (onGroup && !onGroup(groups.get(it.itemOrigin.groupId)?.attrs ?? {})) return false;
      if (runIds.size && !runIds.has(it.itemOrigin.runId)) return false;
      if (runSources.size && !runSources.has(it.itemOrigin.runSourceId)) return false;
      if (features.size && !Object.values(it.feature ?? {}).some((v) => features.has(String(v))))
        return false;
      if (min !== undefined && !(Number(it.value?.value) >= min)) return false;
      return true;
    });
  };

  const routes = (kind: DataKind): Record<string, Handler> => {
    const ids = IDS[kind];
    const groupOf = (ctx: RequestContext) => {
      const group = groups.get(ctx.pathParams.id);
      return group?.kind === kind ? group : undefined;
    };
    const noGroup = (ctx: RequestContext) => error(404, `Group '${ctx.pathParams.id}' could not be found`);
    return {
      // Cursor paging: the cursor is the last itemId of the page; the last page carries none.
      [ids.list]: guarded(({ query }) => {
        const cursor = query.cursor as string | undefined;
        if (cursor !== undefined && !CURSOR.test(cursor))
          throw new QuerySyntaxError(`Invalid cursor: ${cursor}`);
        const all = matching(kind, query);
        // The page after the cursor's item, in the catalog's order (the order cursors walk).
        const from = cursor === undefined ? 0 : all.findIndex((it) => it.itemId === cursor) + 1 || all.length;
        const page = all.slice(from, from + ((query.pageLimit as number | undefined) ?? 2000));
        const more = from + page.length < all.length;
        return {
          status: 200,
          body: { data: page.map(shown), ...(more ? { cursor: page.at(-1)!.itemId } : {}) },
        };
      }),
      [ids.get](ctx) {
        const item = catalog.items[kind].find((it) => it.itemId === ctx.pathParams.id);
        return item
          ? { status: 200, body: shown(item) }
          : error(404, `Item '${ctx.pathParams.id}' could not be found`);
      },
      [ids.groups]: guarded(({ query }) => {
        const predicate = metadataPredicate(query.filter, query.query);
        const found = catalog.groups
          .filter((g) => g.kind === kind && (!predicate || predicate(g.attrs)))
          .sort((a, b) => a.accession.localeCompare(b.accession));
        const page = paged(found, query);
        return { status: 200, body: { ...page, data: page.data.map((g) => ({ ...g.attrs })) } };
      }),
      [ids.group](ctx) {
        const group = groupOf(ctx);
        return group
          ? { status: 200, body: { itemId: group.accession, metadata: { ...group.attrs } } }
          : noGroup(ctx);
      },
      [ids.runs](ctx) {
        const group = groupOf(ctx);
        if (!group) return noGroup(ctx);
        const page = paged(
          catalog.runs.filter((r) => r.group === group.accession).map((r) => runObject(r.accession)),
          ctx.query,
        );
        return { status: 200, body: page };
      },
      [ids.groupByRun](ctx) {
        const run = runs.get(ctx.pathParams.id);
        const group = run ? groups.get(run.group) : undefined;
        if (!group || group.kind !== kind) return error(404, `Run '${ctx.pathParams.id}' could not be found`);
        return { status: 200, body: { itemId: group.accession, metadata: { ...group.attrs } } };
      },
    };
  };
  return { ...routes("expression"), ...routes("variant"), ...routes("flow-cytometry") };
}
