/** The Flow sandbox's public surface: its options, its handle, and the fixture credentials. */
import type { CorsOptions } from "../cors.js";
import type { VirtualFile } from "../content.js";
import type { Faults } from "../faults.js";
import type { RecordedRequest } from "../http.js";
import type { Violation } from "../spec-router.js";
import type { ApiKeySpec, FlowAuthStats } from "./auth.js";
import type { BulkTimings } from "./bulk-downloads.js";
import type { ExecutionDurations } from "./executions.js";
import { SANDBOX_PASSWORDS, type FlowFixtureIds } from "./fixtures.js";
import type { Execution, Store } from "./store.js";
import type { ChunkFaultOptions, UploadEndpoint, UploadStats } from "./uploads.js";
/** Alice: can run pipelines, owns the public and private fixture projects. */
export const FLOW_SANDBOX_USERNAME = "alice";
export const FLOW_SANDBOX_PASSWORD = SANDBOX_PASSWORDS.alice!;
/** Alice's API key with every scope (read, write, run). */
export const FLOW_SANDBOX_API_KEY = "flow-sandbox-key-alice-0123456789abcdef";
/** Alice's API key with the `read` scope only: 403 on uploads, writes and runs. */
export const FLOW_SANDBOX_READONLY_API_KEY = "flow-sandbox-key-alice-readonly-fedcba9876";
/** The fixture users: Bob cannot run pipelines, Carol is an admin. */
export const FLOW_SANDBOX_USERS = {
  alice: { username: "alice", password: SANDBOX_PASSWORDS.alice! },
  bob: { username: "bob", password: SANDBOX_PASSWORDS.bob! },
  carol: { username: "carol", password: SANDBOX_PASSWORDS.carol! },
};

export interface FlowSandboxOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Lifetime of access tokens. Default 30 minutes (docs.api.flow.bio); tests use ~200 ms. */
  accessTokenTtlMs?: number;
  /** Lifetime of refresh tokens (the cookie). Default one year. */
  refreshTokenTtlMs?: number;
  /** GET /token also rotates the refresh cookie (the old one stops working). Default false. */
  rotateRefreshToken?: boolean;
  /** API keys. Default: FLOW_SANDBOX_API_KEY (all scopes) and FLOW_SANDBOX_READONLY_API_KEY, both Alice's. */
  apiKeys?: ApiKeySpec[];
  /** How long runs stay pending and running. Defaults 300 ms each. */
  executionDurations?: ExecutionDurations;
  /** Number of fixture samples. Default 240. */
  samples?: number;
  /** Size of the big public reads file (`fixtures.bigData`). Default 64 MiB. */
  bigFileBytes?: number;
  /** Size of an execution's results archive. Default 4 MiB. */
  resultsArchiveBytes?: number;
  /** Largest chunk accepted by the upload endpoints. Default 64 MiB. */
  maxChunkBytes?: number;
  /** How long bulk download jobs stay pending and running, and when their archives expire. */
  bulkDownloadTimings?: BulkTimings;
  /** How long an accession import stays RUNNING. Default 400 ms. */
  sampleImportMs?: number;
  /** Browser origins answered with CORS; see ../cors.ts. Default: `SANDBOX_CORS_ORIGINS`, else none. */
  cors?: CorsOptions | false;
}

/** What a test can learn about one upload. */
export interface FlowUploadInfo {
  id: string;
  endpoint: UploadEndpoint;
  filename: string;
  /** Bytes received (appended) so far. */
  received: number;
  /** Offsets of every acknowledged chunk, arrival order, resends included. */
  offsets: number[];
  /** Offsets whose bytes were appended. */
  appended: number[];
  /** Chunks acknowledged without appending (resends of received offsets). */
  duplicates: number;
  complete: boolean;
  /** SHA-256 of the bytes assembled so far (of the whole file once complete). */
  sha256: string;
  /** Where the file is assembled. */
  path: string;
}

export interface FlowStats extends FlowAuthStats {
  uploads: UploadStats;
  /** Runs started through POST /pipelines/versions/{id}/run. */
  executionsStarted: number;
  /** Body bytes sent by data and results downloads. */
  bytesDownloaded: number;
}

export interface FlowSandbox {
  /** Base URL including `/api`, for `createFlowClient({ baseUrl })`. */
  url: string;
  /** The server's origin (scheme, host and port). */
  origin: string;
  /** Alice's login. */
  username: string;
  password: string;
  /** Alice's API key with every scope; `readOnlyApiKey` has `read` only. */
  apiKey: string;
  readOnlyApiKey: string;
  /** IDs of fixture records worth knowing. */
  fixtures: FlowFixtureIds;
  /** The operationIds the sandbox implements (every operation of the spec). */
  operations: string[];
  /** The in-memory records (mutable). */
  store: Store;
  /** Request-level faults (applied before routing; `match` sees the raw request). */
  faults: Faults;
  requests: RecordedRequest[];
  violations: Violation[];
  stats: FlowStats;
  /** Every upload, and one upload by id. */
  uploads(): FlowUploadInfo[];
  upload(id: string): FlowUploadInfo | undefined;
  /** Fails a chosen upload chunk (by offset or index; default 502). */
  failChunk(options: ChunkFaultOptions): void;
  /** The next run started fails with ERROR at its end. */
  failNextExecution(message?: string): void;
  /** Durations for runs started from now on. */
  setExecutionDurations(durations: ExecutionDurations): void;
  setAccessTokenTtl(ms: number): void;
  /** Mints an access token for a user (optionally with its own lifetime, e.g. 0 for an expired one). */
  issueAccessToken(username: string, ttlMs?: number): string;
  /** Revokes refresh tokens (of one user, or all): the next GET /token fails. */
  revokeRefreshTokens(username?: string): void;
  /** An execution's current record (advanced to now). */
  execution(id: string): Execution | undefined;
  /** The bytes the results archive of an execution serves, and their SHA-256. */
  resultsArchive(executionId: string): { file: VirtualFile; sha256: () => string };
  /** SHA-256 of what GET /downloads/{id}/{filename} serves for a data file. */
  dataSha256(dataId: string): Promise<string>;
  /** Password-reset emails the sandbox "sent". */
  outbox: { email: string; token: string }[];
  close(): Promise<void>;
}
