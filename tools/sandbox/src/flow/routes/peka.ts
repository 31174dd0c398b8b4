/** Flow sandbox routes: PEKA motif enrichment reads. */
import { NOT_FOUND } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function pekaRoutes(c: FlowContext): Record<string, Handler> {
  const { store } = c;
  return {
    listPekaEntities({ query }) {
      const offset = (query.offset as number | undefined) ?? 0;
      const limit = (query.limit as number | undefined) ?? 10;
      return {
        status: 200,
        body: {
          count: store.peka.length,
          results: store.peka
            .slice(offset, offset + limit)
            .map((e) => ({ id: e.id, name: e.name, type: e.type, species: e.species })),
        },
      };
    },
    getPekaRbp({ query }) {
      const wanted = String(query.protein).toLowerCase();
      const entity = store.peka.find(
        (e) =>
          (e.name.toLowerCase() === wanted || e.gene.toLowerCase() === wanted || e.id === wanted) &&
          (!query.species || e.species === query.species),
      );
      if (!entity) return NOT_FOUND;
      return {
        status: 200,
        body: {
          rbp: {
            name: entity.name,
            gene: entity.gene,
            species: entity.species,
            binding_sites: entity.bindingSites,
            known_motifs: entity.motifs,
          },
        },
      };
    },
    getPekaMotif({ query }) {
      const motif = String(query.motif).toUpperCase().replace(/T/g, "U");
      let rbps = [...new Set(store.peka.filter((e) => e.motifs.includes(motif)).map((e) => e.name))];
      if (query.rbp) rbps = rbps.filter((r) => r.toLowerCase() === String(query.rbp).toLowerCase());
      if (rbps.length === 0) return NOT_FOUND;
      const score = 1 + ([...motif].reduce((n, c) => n + c.charCodeAt(0), 0) % 300) / 100;
      const pvalue = Math.min(1, 10 ** -Math.round(score));
      if (query.pvalue !== undefined && pvalue > query.pvalue) return NOT_FOUND;
      return { status: 200, body: { motif, length: motif.length, rbps, enrichment_score: score, pvalue } };
    },
    getPekaMotifLines({ query }) {
      const limit = (query.limit as number | undefined) ?? 20;
      const seed = [...`${query.dataset ?? ""}:${query.region ?? ""}`].reduce(
        (h, c) => (h * 31 + c.charCodeAt(0)) >>> 0,
        17,
      );
      const region = /^(chr[\w]+)(?::(\d+)-(\d+))?$/.exec(String(query.region ?? ""));
      const chromosome = region?.[1] ?? "chr1";
      const from = Number(region?.[2] ?? 100000);
      const motifs = [...new Set(store.peka.flatMap((e) => e.motifs))];
      return {
        status: 200,
        body: {
          lines: Array.from({ length: Math.min(limit, 200) }, (_, i) => {
            const start = from + ((seed + i * 7919) % 50000);
            const motif = motifs[(seed + i) % motifs.length]!;
            return {
              chromosome,
              start,
              end: start + motif.length,
              motif,
              score: Math.round((((seed >> (i % 16)) % 100) / 100) * 100) / 100,
              strand: i % 2 === 0 ? "+" : "-",
            };
          }),
        },
      };
    },
  };
}
