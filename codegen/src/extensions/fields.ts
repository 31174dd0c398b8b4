import { isObject, type Json, type JsonObject } from "../spec/json.js";

/** A field's expected JSON type; `string[]` is an array of strings. */
export type FieldType = "string" | "number" | "boolean" | "array" | "string[]" | "object";

const typeOf = (value: Json) => (Array.isArray(value) ? "array" : value === null ? "null" : typeof value);

/**
 * Checks an extension object's fields: the required ones are present, none is unknown, each has
 * its type. Returns the problems, each prefixed with a JSON pointer.
 */
export function checkFields(
  value: Json,
  at: string,
  required: Record<string, FieldType>,
  optional: Record<string, FieldType> = {},
): string[] {
  if (!isObject(value)) return [`${at}: must be an object`];
  const problems: string[] = [];
  for (const key of Object.keys(required))
    if (value[key] === undefined) problems.push(`${at}: "${key}" is required`);
  for (const [key, field] of Object.entries(value)) {
    const type = required[key] ?? optional[key];
    if (type === undefined) problems.push(`${at}: unknown field "${key}"`);
    else if (!hasType(field, type))
      problems.push(
        `${at}/${key}: must be ${type === "array" || type === "string[]" ? "an array" : `a ${type}`}${type === "string[]" ? " of strings" : ""}`,
      );
  }
  return problems;
}

function hasType(value: Json, type: FieldType): boolean {
  if (type === "string[]") return Array.isArray(value) && value.every((v) => typeof v === "string");
  return typeOf(value) === type;
}

/** A checked extension object, typed as what it was checked to be. */
export function asObject<T>(value: Json): T {
  return value as JsonObject as T;
}
