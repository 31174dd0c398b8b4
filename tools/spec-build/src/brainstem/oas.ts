/**
 * Small OpenAPI and prose helpers the BrainSTEM builder modules share.
 * @module
 */
import type { Json, JsonObject } from "@sciportals/codegen/spec";
import { DOCS_COMMIT, DOCS_REPO } from "./models.js";

/** The canonical 8-4-4-4-12 form; the MATLAB client validates ids with the same regex. */
export const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/** Private (and super) operations send the personal access token. */
export const PRIVATE_SECURITY: Json[] = [{ PersonalAccessToken: [] }];

/** A `$ref` to a component schema. */
export const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

/** A `$ref` to a component response. */
export const resp = (name: string): JsonObject => ({ $ref: `#/components/responses/${name}` });

/** A `$ref` to a component parameter. */
export const param = (name: string): JsonObject => ({ $ref: `#/components/parameters/${name}` });

/** A JSON response (or body) with `schema`. */
export const json = (schema: JsonObject, description: string): JsonObject => ({
  description,
  content: { "application/json": { schema } },
});

/** `label` with its indefinite article. */
export const article = (label: string): string => (/^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`);

/** The docs page at `path`, pinned to the commit the table was read from. */
export const docUrl = (path: string): string => `https://github.com/${DOCS_REPO}/blob/${DOCS_COMMIT}/${path}`;
