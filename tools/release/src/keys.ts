import { isObject, type Json } from "@sciportals/codegen/spec";

/**
 * Keys of both objects: the old one's order first, then what the new one adds. A diff's own
 * ordering rule, so it stays here rather than in the shared spec toolkit.
 */
export function unionKeys(a: Json | undefined, b: Json | undefined): string[] {
  const keys = isObject(a) ? Object.keys(a) : [];
  for (const key of isObject(b) ? Object.keys(b) : []) if (!keys.includes(key)) keys.push(key);
  return keys;
}
