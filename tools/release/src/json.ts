/** An OpenAPI document (or any part of one) as parsed YAML. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/** The node a local `$ref` (`#/components/schemas/Dataset`) points at, or undefined. */
export function pointer(document: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let current: Json | undefined = document;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    current = isObject(current) ? current[key] : Array.isArray(current) ? current[Number(key)] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * Follows local `$ref`s until a node that is not one. A missing target or a loop of bare refs
 * gives `{}`: an old spec may be broken, and the diff should still run.
 */
export function resolve(document: JsonObject, node: Json | undefined): Json | undefined {
  const seen = new Set<string>();
  let current = node;
  while (isObject(current) && typeof current.$ref === "string") {
    if (seen.has(current.$ref)) return {};
    seen.add(current.$ref);
    current = pointer(document, current.$ref) ?? {};
  }
  return current;
}

/** The component schema a node refers to directly (`Dataset` for `$ref: #/components/schemas/Dataset`). */
export function schemaRefName(node: Json | undefined): string | undefined {
  if (!isObject(node) || typeof node.$ref !== "string") return undefined;
  const match = /^#\/components\/schemas\/([^/]+)$/.exec(node.$ref);
  return match ? decodeURIComponent(match[1]!).replace(/~1/g, "/").replace(/~0/g, "~") : undefined;
}

export function keysOf(node: Json | undefined): string[] {
  return isObject(node) ? Object.keys(node) : [];
}

/** Keys of both objects: the old one's order first, then what the new one adds. */
export function unionKeys(a: Json | undefined, b: Json | undefined): string[] {
  const keys = keysOf(a);
  for (const key of keysOf(b)) if (!keys.includes(key)) keys.push(key);
  return keys;
}
