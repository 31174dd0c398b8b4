/**
 * Typed client for Genestack ODM, generated from Genestack's published definition (`specs/genestack-odm/upstream/`) with `specs/genestack-odm/overlay.yaml` applied.
 * @packageDocumentation
 */
export * from "./generated/client.gen.js";
export * from "./generated/operations.gen.js";
export * from "./generated/models.gen.js";
export * from "./generated/docs.gen.js";
export type { paths, components, operations } from "./generated/schema.gen.js";
export * from "@sciportals/core";
