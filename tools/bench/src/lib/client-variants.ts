import createClient from "openapi-fetch";
import { createStomicsClient, type paths } from "@sciportals/stomics";

const BASE_URL = "https://stomics.io";

/** A dataset as the spec describes it (DatasetDetail). */
export const DATASET = {
  accession: "STD0001",
  title: "Mouse brain Stereo-seq atlas",
  description: "Whole-brain coronal sections at cellular resolution.",
  technology: { id: 1, name: "Stereo-seq" },
  species: "Mus musculus",
  tissue: "brain",
  download_count: 1523,
  release_date: "2023-05-04",
  file_count: 4,
};

/** As openapi-fetch's own bench: a fetch that answers on the next tick, so only the client is timed. */
const stub = (_request: Request): Promise<Response> =>
  new Promise((resolve) => process.nextTick(() => resolve(Response.json(DATASET))));
const stubWithInit: (request: Request, init: RequestInit) => Promise<Response> = stub;

export interface Variant {
  id: string;
  label: string;
  role: "baseline" | "ours" | "diagnostic";
}

/** The contenders, baseline first. Each runs in its own process (see children/client-overhead.ts). */
export const VARIANTS: readonly Variant[] = [
  { id: "bare", label: "openapi-fetch `client.GET` (bare)", role: "baseline" },
  { id: "ours", label: "ours: `stomics.getDataset`", role: "ours" },
  { id: "ours-get", label: "ours: `stomics.GET` (path-based)", role: "ours" },
  { id: "ours-no-timeout", label: "diagnostic: ours `getDataset`, `timeoutMs: 0`", role: "diagnostic" },
  {
    id: "ours-validate",
    label: 'diagnostic: ours `getDataset`, `validateResponses: "warn"`',
    role: "diagnostic",
  },
  { id: "bare-auth", label: "diagnostic: bare + `Authorization` header", role: "diagnostic" },
  { id: "bare-timeout", label: "diagnostic: bare + a per-call timeout in its fetch", role: "diagnostic" },
];

export interface Contender {
  call: () => Promise<unknown>;
  /** The dataset, however this contender returns it. */
  data: (result: unknown) => unknown;
}

const params = { params: { path: { accession: "STD0001" } } } as const;
const fromResult = (result: unknown) => (result as { data: unknown }).data;
const itself = (result: unknown) => result;

/** Creates one contender's client and its call. */
export function contender(id: string): Contender {
  switch (id) {
    case "bare": {
      const client = createClient<paths>({ baseUrl: BASE_URL, fetch: stub });
      return { call: () => client.GET("/api/v1/datasets/{accession}", params), data: fromResult };
    }
    case "bare-auth": {
      const client = createClient<paths>({
        baseUrl: BASE_URL,
        fetch: stub,
        headers: { Authorization: "Bearer sk-x" },
      });
      return { call: () => client.GET("/api/v1/datasets/{accession}", params), data: fromResult };
    }
    case "bare-timeout": {
      // What any per-call timeout costs: an AbortController, its signal, a timer.
      const fetch = (request: Request) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 60_000);
        return stubWithInit(request, { signal: controller.signal }).finally(() => clearTimeout(timer));
      };
      const client = createClient<paths>({ baseUrl: BASE_URL, fetch });
      return { call: () => client.GET("/api/v1/datasets/{accession}", params), data: fromResult };
    }
    case "ours": {
      const client = createStomicsClient({ baseUrl: BASE_URL, apiKey: "sk-x", fetch: stub, env: false });
      return { call: () => client.getDataset({ path: { accession: "STD0001" } }), data: itself };
    }
    case "ours-get": {
      const client = createStomicsClient({ baseUrl: BASE_URL, apiKey: "sk-x", fetch: stub, env: false });
      return { call: () => client.GET("/api/v1/datasets/{accession}", params), data: fromResult };
    }
    case "ours-no-timeout": {
      const client = createStomicsClient({
        baseUrl: BASE_URL,
        apiKey: "sk-x",
        fetch: stub,
        env: false,
        timeoutMs: 0,
      });
      return { call: () => client.getDataset({ path: { accession: "STD0001" } }), data: itself };
    }
    case "ours-validate": {
      // The dataset matches the spec: this is the cost of checking a body, with nothing to report.
      const client = createStomicsClient({
        baseUrl: BASE_URL,
        apiKey: "sk-x",
        fetch: stub,
        env: false,
        validateResponses: "warn",
      });
      return { call: () => client.getDataset({ path: { accession: "STD0001" } }), data: itself };
    }
    default:
      throw new Error(`unknown client-overhead contender ${id}`);
  }
}
