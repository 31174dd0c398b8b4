import { isObject, unescapePointer, type Json, type JsonObject } from "./json.js";

/** The node a local `$ref` (`#/components/schemas/Dataset`) points at, or undefined. */
export function pointer(document: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let current: Json | undefined = document;
  for (const raw of ref.slice(2).split("/")) {
    const key = unescapePointer(raw);
    current = isObject(current) ? current[key] : Array.isArray(current) ? current[Number(key)] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * Follows local `$ref`s until a node that is not one. Strict (the default) throws on an external,
 * missing or circular ref, for codegen; lenient gives `{}` instead, so that a diff of an old,
 * broken spec still runs. Specs are bundled before this is used, so external refs are a bug.
 */
export function deref(
  document: JsonObject,
  node: Json | undefined,
  mode: "strict" | "lenient" = "strict",
): Json | undefined {
  const seen = new Set<string>();
  let current = node;
  while (isObject(current) && typeof current.$ref === "string") {
    const ref = current.$ref;
    const fail = (why: string): JsonObject => {
      if (mode === "lenient") return {};
      throw new Error(`${why} $ref ${ref}`);
    };
    if (!ref.startsWith("#/")) return fail("external (bundle the spec first)");
    if (seen.has(ref)) return fail("circular");
    seen.add(ref);
    current = pointer(document, ref) ?? fail("unresolved");
  }
  return current;
}

/** The component schema a node refers to directly (`Dataset` for `$ref: #/components/schemas/Dataset`). */
export function schemaRefName(node: Json | undefined): string | undefined {
  if (!isObject(node) || typeof node.$ref !== "string") return undefined;
  const match = /^#\/components\/schemas\/([^/]+)$/.exec(node.$ref);
  return match ? unescapePointer(match[1]!) : undefined;
}
