/** A browser app on STOmics: typed call, paginated walk, a 429, a token provider, a pre-signed download. */
import { createStomicsClient } from "@sciportals/stomics";
import { intoBlob, tokenProvider, type SeenRetry } from "./common.js";

export interface StomicsConfig {
  baseUrl: string;
  apiKey: string;
  accession: string;
  /** The dataset the test has arranged a 429 (Retry-After: 1) for. */
  limitedAccession: string;
  fileId: number;
}

export async function run(c: StomicsConfig) {
  const retries: SeenRetry[] = [];
  const key = tokenProvider("Authorization", "Bearer ", "revoked-key", c.apiKey);
  const stomics = createStomicsClient({
    baseUrl: c.baseUrl,
    credentials: { apiKey: key },
    retry: { initialDelayMs: 5 },
    onRetry: (e) => retries.push({ status: e.status, waitMs: e.waitMs }),
  });
  const dataset = await stomics.getDataset({ path: { accession: c.accession } }); // 401, renewed, resent
  const accessions: string[] = [];
  for await (const d of stomics.paginate("listDatasets", { query: { per_page: 10 } }))
    accessions.push(d.accession);
  const limited = await stomics.getDataset({ path: { accession: c.limitedAccession } });
  const file = await intoBlob((writable) =>
    stomics.download(
      "getDatasetFileDownloadUrl",
      { path: { accession: c.accession, file_id: c.fileId } },
      writable,
    ),
  );
  return {
    typed: dataset.accession,
    providerRefreshes: key.refreshes,
    accessions,
    limited: limited.accession,
    retries,
    file,
  };
}
