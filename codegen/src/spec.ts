import { readFile } from "node:fs/promises";
import { parse } from "yaml";

/** An OpenAPI document as parsed JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface LoadedSpec {
  /** Path relative to the repository root, for headers and messages. */
  file: string;
  document: JsonObject;
}

export async function loadSpec(root: string, file: string): Promise<LoadedSpec> {
  const text = await readFile(`${root}/${file}`, "utf8");
  const document = parse(text, { maxAliasCount: -1 }) as JsonObject;
  if (!document || typeof document !== "object" || typeof document.openapi !== "string") {
    throw new Error(`${file}: not an OpenAPI document`);
  }
  if (!document.openapi.startsWith("3.1"))
    throw new Error(`${file}: codegen expects OpenAPI 3.1 (found ${document.openapi})`);
  return { file, document };
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Follows local `$ref`s (`#/components/...`); specs with external refs must be bundled first. */
export function deref(
  document: JsonObject,
  node: Json | undefined,
  seen = new Set<string>(),
): Json | undefined {
  if (!isObject(node) || typeof node.$ref !== "string") return node;
  const ref = node.$ref;
  if (!ref.startsWith("#/"))
    throw new Error(`external $ref ${ref} is not supported: bundle the spec into one file`);
  if (seen.has(ref)) throw new Error(`circular $ref ${ref}`);
  seen.add(ref);
  let current: Json | undefined = document;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    current = isObject(current) ? current[key] : undefined;
    if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return deref(document, current, seen);
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
