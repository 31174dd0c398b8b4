/** The ODM sandbox's public surface: its tokens, options and handle. */
import type { RecordedRequest } from "../http.js";
import type { Faults } from "../faults.js";
import type { Violation } from "../spec-router.js";
import type { VirtualFile } from "../content.js";
import type { OdmCatalog } from "./catalog.js";
import type { JobDurations } from "./jobs.js";

/** The Genestack API token the sandbox accepts by default (header `Genestack-API-Token`). */
import type { CorsOptions } from "../cors.js";
export const ODM_SANDBOX_API_TOKEN = "gs-sandbox-odm-0123456789abcdef";
/** The identity-provider access token the sandbox accepts by default (`Authorization: Bearer`). */
export const ODM_SANDBOX_ACCESS_TOKEN = "idp-sandbox-odm-access-token-fedcba9876543210";
/** Whom each kind of token authenticates, so a test can tell which credential won. */
export const ODM_SANDBOX_USERS = { apiToken: "api.user@example.org", accessToken: "idp.user@example.org" };

export interface OdmSandboxOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Accepted Genestack API tokens. Default [ODM_SANDBOX_API_TOKEN]. */
  apiTokens?: string[];
  /** Accepted identity-provider access tokens. Default [ODM_SANDBOX_ACCESS_TOKEN]. */
  accessTokens?: string[];
  /** Number of studies (at least 5). Default 8. */
  studies?: number;
  /** Size of the big file (`catalog.bigFile`, an .h5ad of the first study). Default 64 MiB. */
  bigFileBytes?: number;
  /** How long import jobs stay in each state. Defaults 300 ms each. */
  jobDurations?: JobDurations;
  /**
   * A flaky network: cut every download response after this many body bytes (a client must
   * resume with Range to finish). Default: no cuts (use `cutNextDownload` for one-off cuts).
   */
  cutDownloadsAfterBytes?: number;
  /** Browser origins answered with CORS; see ../cors.ts. Default: `SANDBOX_CORS_ORIGINS`, else none. */
  cors?: CorsOptions | false;
}

/** A request as the ODM sandbox records it: the common fields plus who it was authenticated as. */
export interface OdmRecordedRequest extends RecordedRequest {
  /** The user the request was authenticated as, when it was. */
  user?: string;
  /** Which credential authenticated it. */
  credential?: "apiToken" | "accessToken";
}

export interface OdmSandbox {
  /** Base URL, for `createGenestackOdmClient({ baseUrl })`. */
  url: string;
  /** A valid Genestack API token (send as `Genestack-API-Token`). */
  apiToken: string;
  /** A valid identity-provider access token (send as `Authorization: Bearer`). */
  accessToken: string;
  /** The fixtures; objects added by import jobs appear here too. */
  catalog: OdmCatalog;
  faults: Faults;
  /** Requests, newest last, with body bytes sent (`bytesSent`) per request. */
  requests: OdmRecordedRequest[];
  /** Requests or responses that broke the spec; tests expect none. */
  violations: Violation[];
  /** The served bytes of a file: its size, seed, ETag and SHA-256. */
  fileContent(accession: string): { file: VirtualFile; etag: string; sha256: () => string };
  /** Changes a file's bytes (new seed, so a new ETag and Last-Modified); optionally its size. */
  replaceFile(accession: string, options?: { size?: number }): { file: VirtualFile; etag: string };
  /** Cuts every download after `afterBytes` body bytes from now on (undefined: stop). */
  setFlakyDownloads(afterBytes: number | undefined): void;
  /** Cuts the next `count` (default 1) downloads (of `accession`, or any) after `afterBytes` body bytes. */
  cutNextDownload(afterBytes: number, options?: { accession?: string; count?: number }): void;
  /** Body bytes served by downloads of `accession` (or of every file) so far. */
  bytesServed(accession?: string): number;
  /** Cuts the connection of the next multipart import after `afterBytes` bytes of its body have arrived. */
  cutNextUpload(afterBytes: number): void;
  /** Files the multipart imports received, oldest first: name, size and SHA-256. */
  uploads: readonly { operationId: string; filename: string; size: number; sha256: string }[];
  /** The next started import job fails at the end of RUNNING (a restart then completes it). */
  failNextJob(message?: string): void;
  /** A job's state as `getJobInfo` returns it, or undefined. */
  job(jobExecId: number): Record<string, unknown> | undefined;
  /** Changes how long new and running jobs stay in each state. */
  setJobDurations(durations: JobDurations): void;
  /** Stops accepting a token (either kind). */
  revokeToken(token: string): void;
  close(): Promise<void>;
}
