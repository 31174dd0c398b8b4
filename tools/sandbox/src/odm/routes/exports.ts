/** ODM sandbox routes: the streamed TSV exports of expression and variant groups. */
import type { Handler, HandlerResult, RequestContext } from "../../spec-router.js";
import type { DataItem } from "../catalog.js";
import { TSV, error, type OdmContext } from "../context.js";
import { omicsQuery } from "../omics-query.js";

/** Handlers by operationId. */
export function exportsRoutes(c: OdmContext): Record<string, Handler> {
  const { catalog, checkOwn, groups, guarded, objects, runs } = c;
  const { conditions, dataPredicate } = omicsQuery(c);
  // ------------------------------------------------------------------ streamed exports
  const round = (value: number, digits: number) => {
    const factor = 10 ** digits;
    return String(Math.round(value * factor) / factor);
  };
  const streamTsv = (ctx: RequestContext, lines: Iterable<string>): HandlerResult => {
    checkOwn(ctx.operationId, 200, TSV);
    const res = ctx.res;
    res.writeHead(200, { "content-type": `${TSV}; charset=utf-8` });
    const iterator = lines[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        const next = iterator.next();
        if (next.done) return void res.end();
        if (!res.write(`${next.value}\n`)) return void res.once("drain", pump);
      }
    };
    pump();
    return { stream: true };
  };
  /**
   * The runs of an exported group whose samples match the sample, library and preparation
   * conditions (and, for variant exports, whose linked expression data matches `exQuery`).
   */
  const exportRuns = <R extends { sample?: string }>(
    query: Record<string, any>,
    runsOfGroup: R[],
    withExQuery: boolean,
  ) => {
    const c = conditions({
      sampleFilter: query.sampleFilter,
      sampleQuery: query.sampleQuery,
      libraryFilter: query.libraryFilter,
      libraryQuery: query.libraryQuery,
      preparationFilter: query.preparationFilter,
      preparationQuery: query.preparationQuery,
      exQuery: withExQuery ? query.exQuery : undefined,
    });
    return runsOfGroup.filter((r) => {
      const sample = objects.get(r.sample ?? "");
      return sample !== undefined && c.sample(sample);
    });
  };

  return {
    omicsSearchStreamedExpressionDataAsUser: guarded((ctx) => {
      const { query } = ctx;
      const group = groups.get(query.groupAccession);
      if (!group || group.kind !== "expression")
        return error(404, `Group '${query.groupAccession}' could not be found`);
      const digits = (query.roundDigits as number | undefined) ?? 4;
      const featureMatch = dataPredicate("expression", query.exQuery);
      const selected = exportRuns(
        query,
        catalog.runs.filter((r) => r.group === group.accession),
        false,
      );
      const items = catalog.items.expression.filter((it) => it.itemOrigin.groupId === group.accession);
      const byFeature = new Map<string, Map<string, DataItem>>();
      for (const it of items) {
        const id = String(it.feature!.Genes);
        if (!byFeature.has(id)) byFeature.set(id, new Map());
        byFeature.get(id)!.set(it.itemOrigin.runId, it);
      }
      function* lines() {
        yield ["Genes", "Symbol", ...selected.map((r) => r.runSourceId)].join("\t");
        for (const [id, perRun] of byFeature) {
          const cells = selected.map((r) => perRun.get(r.accession));
          if (featureMatch && !cells.some((it) => it && featureMatch(it))) continue;
          const symbol = String([...perRun.values()][0]!.feature!.Symbol);
          yield [id, symbol, ...cells.map((it) => (it ? round(Number(it.value!.value), digits) : ""))].join(
            "\t",
          );
        }
      }
      return streamTsv(ctx, lines());
    }),
    omicsSearchStreamedVariantDataAsUser: guarded((ctx) => {
      const { query } = ctx;
      const group = groups.get(query.groupAccession);
      if (!group || group.kind !== "variant")
        return error(404, `Group '${query.groupAccession}' could not be found`);
      const variantMatch = dataPredicate("variant", query.vxQuery);
      const selected = exportRuns(
        query,
        catalog.runs.filter((r) => r.group === group.accession),
        true,
      );
      const items = catalog.items.variant.filter((it) => it.itemOrigin.groupId === group.accession);
      const variants = new Map<string, { item: DataItem; gts: Map<string, string> }>();
      for (const it of items) {
        const key = `${it.variant!.chrom}:${String(it.variant!.pos).padStart(12, "0")}`;
        if (!variants.has(key)) variants.set(key, { item: it, gts: new Map() });
        variants.get(key)!.gts.set(it.itemOrigin.runId, it.genotype!.GT!);
      }
      const sortedKeys = [...variants.keys()].sort();
      function* lines() {
        yield [
          "CHROM",
          "POS",
          "ID",
          "REF",
          "ALT",
          "QUAL",
          "FILTER",
          "INFO",
          ...selected.map((r) => r.runSourceId),
        ].join("\t");
        for (const key of sortedKeys) {
          const { item, gts } = variants.get(key)!;
          if (variantMatch && !variantMatch(item)) continue;
          const v = item.variant!;
          const info = Object.entries(v.info)
            .map(([k, values]) => `${k}=${values.join(",")}`)
            .join(";");
          yield [
            v.chrom,
            v.pos,
            v.id.join(";"),
            v.ref,
            v.alt.join(","),
            v.qual,
            v.filter.join(";"),
            info,
            ...selected.map((r) => gts.get(r.accession) ?? "0/0"),
          ].join("\t");
        }
      }
      return streamTsv(ctx, lines());
    }),
  };
}
