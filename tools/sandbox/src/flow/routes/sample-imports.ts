/** Flow sandbox routes: accession imports (`/v2/sample-imports`), a job per batch. */
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";
import { nowSeconds } from "../replies.js";
import { ACCESSION, type ImportEntry } from "../sample-imports.js";
import type { Principal, Sample } from "../store.js";

/** Handlers by operationId. */
export function sampleImportsRoutes(c: FlowContext): Record<string, Handler> {
  const { store, imports, ownedBy } = c;
  const refuse = (error: string) => ({ status: 422, body: { error } });

  /** The server's checks, in its order: the whole batch is refused on the first bad entry. */
  const problem = (entry: ImportEntry): string | undefined => {
    if (!ACCESSION.test(entry.accession)) return `unsupported accession format '${entry.accession}'`;
    if (!store.sampleTypes.has(entry.sample_type)) return `sample type '${entry.sample_type}' does not exist`;
    if (entry.organism !== undefined && !store.organisms.has(entry.organism))
      return `organism '${entry.organism}' does not exist`;
    for (const a of store.attributes.values())
      if ((a.required || a.requiredFor.includes(entry.sample_type)) && !entry.metadata?.[a.identifier])
        return `metadata '${a.identifier}' is required for ${entry.sample_type}`;
    return undefined;
  };

  const createSample = (ownerId: string) => (entry: ImportEntry) => {
    const sample: Sample = {
      id: store.nextId("sample"),
      name: entry.name ?? entry.accession,
      created: nowSeconds(),
      projectId: null,
      organism: entry.organism ?? null,
      sampleType: entry.sample_type,
      metadata: Object.fromEntries(
        Object.entries(entry.metadata ?? {}).map(([k, value]) => [k, { value, annotation: null }]),
      ),
      pubmed: "",
      source: null,
      purificationTarget: null,
      ...ownedBy(store.users.get(ownerId)!),
    };
    store.samples.set(sample.id, sample);
    return Number(sample.id);
  };

  return {
    importSamples({ body, principal }) {
      const p = principal as Principal;
      const entries = body.imports as ImportEntry[];
      for (const entry of entries) {
        const refusal = problem(entry);
        if (refusal) return refuse(refusal);
      }
      return { status: 201, body: imports.view(imports.start(p.user.id, entries)) };
    },
    getSampleImport({ pathParams, principal }) {
      const job = imports.jobs.get(Number(pathParams.jobId));
      if (!job || job.ownerId !== (principal as Principal).user.id)
        return { status: 404, body: { error: `sample import ${String(pathParams.jobId)} does not exist` } };
      return { status: 200, body: imports.view(imports.advance(job, createSample(job.ownerId))) };
    },
  };
}
