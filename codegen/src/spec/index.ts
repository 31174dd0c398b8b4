/**
 * The spec toolkit: reading, bundling and overlaying OpenAPI documents, JSON and `$ref` helpers,
 * and the `x-sciportals-*` extension registry. Codegen, tools/release and tools/sandbox share it.
 * @packageDocumentation
 */
export * from "./json.js";
export * from "./refs.js";
export * from "./walk.js";
export { loadSpec, SpecError, type LoadedSpec, type LoadOptions } from "./load.js";
export { applyOverlay } from "./overlay.js";
export * from "../extensions/index.js";
