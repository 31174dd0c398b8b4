/** An OpenAPI document, or any part of one, as parsed YAML or JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The object at `key`, or an empty one: most of an OpenAPI document is optional. */
export function objectAt(node: Json | undefined, key: string): JsonObject {
  const value = isObject(node) ? node[key] : undefined;
  return isObject(value) ? value : {};
}

/** The string at `key`, or undefined. */
export function stringAt(node: Json | undefined, key: string): string | undefined {
  const value = isObject(node) ? node[key] : undefined;
  return typeof value === "string" ? value : undefined;
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

/** One JSON pointer segment (`/` and `~` escaped), as RFC 6901 writes it. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

export function unescapePointer(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, "/").replace(/~0/g, "~");
}

/** The strings of an array (`required`, `enum`), or none when it is not one. */
export function stringsOf(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
