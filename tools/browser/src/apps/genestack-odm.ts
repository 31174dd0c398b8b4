/** A browser app on Genestack ODM: typed call, offset paging, a 429, an IdP token provider, a direct download. */
import { createGenestackOdmClient } from "@sciportals/genestack-odm";
import { intoBlob, tokenProvider, type SeenRetry } from "./common.js";

export interface OdmConfig {
  baseUrl: string;
  accessToken: string;
  apiToken: string;
  study: string;
  file: string;
}

export async function run(c: OdmConfig) {
  const retries: SeenRetry[] = [];
  // ODM has no refresh endpoint: an app gets access tokens from its identity provider.
  const idp = tokenProvider("Authorization", "Bearer ", "expired-idp-token", c.accessToken);
  const odm = createGenestackOdmClient({
    baseUrl: c.baseUrl,
    credentials: { "Access-token": idp },
    retry: { initialDelayMs: 5 },
    onRetry: (e) => retries.push({ status: e.status, waitMs: e.waitMs }),
  });
  const samples = await odm.getSamplesByStudyAsUser({ path: { id: c.study }, query: { pageLimit: 2 } });
  const accessions: string[] = [];
  for await (const sample of odm.paginate("searchSamplesAsUser", { query: { pageLimit: 7 } }))
    accessions.push(String(sample["genestack:accession"]));
  // The Genestack-API-Token header, which the portal must allow in its CORS preflight.
  const withApiToken = createGenestackOdmClient({
    baseUrl: c.baseUrl,
    apiToken: c.apiToken,
    retry: { initialDelayMs: 5 },
    onRetry: (e) => retries.push({ status: e.status, waitMs: e.waitMs }),
  });
  const file = await intoBlob((writable) =>
    withApiToken.download("getFileAsUser", { path: { id: c.file } }, writable),
  );
  return {
    typed: samples.data?.length,
    providerRefreshes: idp.refreshes,
    accessions,
    retries,
    file,
  };
}
