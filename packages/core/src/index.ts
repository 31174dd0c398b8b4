/**
 * The runtime shared by every sciportals client: transport with retries and auth, typed errors,
 * pagination and transfers. Portal packages are generated on top of it.
 * @packageDocumentation
 */
export {
  PortalError,
  ApiError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  ServerError,
  ConnectionError,
  TimeoutError,
  AbortError,
  ValidationError,
  ConfigurationError,
  MissingCredentialsError,
  TransferError,
  ResponseTruncatedError,
  UnexpectedResponseError,
  PaginationLoopError,
  errorFromResponse,
  summarizeErrorBody,
  type ErrorContext,
  type PortalErrorInit,
  type ErrorBodySummary,
  type UnexpectedResponseInit,
} from "./errors.js";
export {
  staticCredential,
  selectCredentials,
  type Credential,
  type AppliedCredential,
  type CredentialSource,
  type SecurityRequirement,
} from "./auth.js";
export {
  createPortalBase,
  callOperation,
  credentialsFor,
  type PortalBase,
  type PortalInfo,
  type PortalClientOptions,
  type PortalDefinition,
  type SchemeMeta,
  type OperationTypes,
} from "./base.js";
export type { ClientHooks, RequestEvent, ResponseEvent, RetryEvent } from "./hooks.js";
export type { Logger, LogLevel } from "./log.js";
export {
  createPortalClient,
  type PortalClient,
  type PaginatedIds,
  type DownloadIds,
  type DownloadItem,
  type HeadIds,
  type WaiterIds,
  type UploadIds,
} from "./client.js";
export {
  upload,
  UploadError,
  type UploadCheckpoint,
  type UploadOptions,
  type UploadResult,
  type UploadSource,
} from "./upload.js";
export { head, type ResourceHead } from "./head.js";
export {
  createTokenSession,
  memoryTokenStore,
  jwtExpiry,
  type TokenSet,
  type TokenStore,
  type TokenSession,
  type TokenSessionOptions,
} from "./token-session.js";
export {
  sessionAuth,
  type AuthSetup,
  type AuthContext,
  type AuthScheme,
  type ClientAuth,
  type SessionMeta,
  type DeviceFlowMeta,
  type DevicePrompt,
  type DeviceLoginOptions,
} from "./session.js";
export { waitFor, WaiterError, type WaitOptions } from "./waiter.js";
export type {
  OperationDocs,
  OperationMeta,
  ParamMeta,
  PaginationMeta,
  DownloadMeta,
  UploadMeta,
  ChunkedUploadMeta,
  SingleUploadMeta,
  UploadInput,
  WaiterMeta,
  HttpMethod,
  CallOptions,
  OperationInput,
  OperationOutput,
  OperationParams,
  OperationBody,
  RawInput,
} from "./operation.js";
export {
  paginate,
  type Page,
  type PageSettings,
  type PagedIterable,
  type PaginateOptions,
} from "./paginate.js";
export { download } from "./download.js";
export {
  downloadToStream,
  isWritableStream,
  type StreamDownloadOptions,
  type StreamDownloadResult,
} from "./download-stream.js";
export {
  downloadMany,
  type BatchItem,
  type BatchFileEvent,
  type BatchFileResult,
  type BatchProgress,
  type DownloadManyOptions,
  type DownloadManyResult,
  type ExistingPolicy,
} from "./download-many.js";
export type { DownloadOptions, DownloadProgress, DownloadResult } from "./node/file-download.js";
export { createRateLimiter, type RateLimiter, type RateLimitOptions } from "./rate-limiter.js";
export {
  DEFAULT_RETRY,
  isRetryableStatus,
  isIdempotentMethod,
  parseRetryAfter,
  backoffDelay,
  type RetryOptions,
  type RetryPolicy,
} from "./retry.js";
export {
  createTransport,
  type Transport,
  type TransportOptions,
  type SendOptions,
  type FetchLike,
} from "./transport.js";
export { redactUrl } from "./redact.js";
export { isLoopback, mayCarryCredentials } from "./origin.js";
