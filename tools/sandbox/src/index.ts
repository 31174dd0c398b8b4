/** Local portal servers that follow the specs, for the demo, the tests and the benchmarks. */
export {
  startStomicsSandbox,
  STOMICS_SANDBOX_KEY,
  type StomicsSandbox,
  type StomicsSandboxOptions,
} from "./stomics/server.js";
export * from "./odm/index.js";
export * from "./brainstem/index.js";
export * from "./flow/index.js";
export { Faults, type FailFault } from "./faults.js";
export { serveFile, sha256Of, chunks, etagOf, type VirtualFile } from "./content.js";
export { startObjectStore, type ObjectStore } from "./object-store.js";
export { SpecRouter, send, type Violation, type RequestContext, type HandlerResult } from "./spec-router.js";
export { portalSpec } from "./portal-spec.js";
export { listen, type Listening, type ListenOptions, type RecordedRequest } from "./http.js";
export {
  applyCors,
  corsFrom,
  CORS_ORIGINS_ENV,
  CORS_METHODS,
  CORS_REQUEST_HEADERS,
  CORS_EXPOSED_HEADERS,
  type CorsOptions,
} from "./cors.js";
