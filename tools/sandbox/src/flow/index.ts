/** The Flow (flow.bio) sandbox: a local, stateful server that follows specs/flow/openapi.yaml. */
export {
  startFlowSandbox,
  FLOW_SANDBOX_USERNAME,
  FLOW_SANDBOX_PASSWORD,
  FLOW_SANDBOX_API_KEY,
  FLOW_SANDBOX_READONLY_API_KEY,
  FLOW_SANDBOX_USERS,
  type FlowSandbox,
  type FlowSandboxOptions,
  type FlowStats,
  type FlowUploadInfo,
} from "./server.js";
export type { FlowFixtureIds } from "./fixtures.js";
export type { ExecutionDurations as FlowExecutionDurations } from "./executions.js";
export type { ChunkFaultOptions as FlowChunkFault, UploadEndpoint as FlowUploadEndpoint } from "./uploads.js";
export type { ApiKeySpec as FlowApiKeySpec, FlowAuthStats } from "./auth.js";
