import type { Json, JsonObject } from "../spec/json.js";
import type { OperationSite } from "../spec/walk.js";

/** Where in a document an extension may appear. */
export type Place = "root" | "scheme" | "operation" | "parameter";

/** What a check may look at besides the extension's value. */
export interface CheckContext {
  document: JsonObject;
  /** JSON pointer of the extension's value, for messages. */
  at: string;
  /** Every operationId in the document (as the spec writes them). */
  operationIds: ReadonlySet<string>;
  /** The security scheme carrying the extension (place `scheme`). */
  scheme?: JsonObject;
  /** The operation carrying the extension (place `operation`). */
  site?: OperationSite;
  /** The operation's resolved parameters (place `operation`). */
  params?: readonly JsonObject[];
  /** The schema of the operation's JSON success response, if any (place `operation`). */
  success?: Json | undefined;
}

/**
 * One `x-sciportals-*` extension: where it may appear, how it is checked, and the typed value
 * codegen reads from it once checked. A new extension is one module exporting one of these,
 * listed in `./index.ts`.
 */
export interface Extension<T> {
  key: `x-sciportals${string}`;
  place: Place;
  /** Every problem with a value, each starting with a JSON pointer; empty when it is valid. */
  check(value: Json, context: CheckContext): string[];
  /** The value as the generator uses it; called only on values that passed `check`. */
  read(value: Json): T;
}
