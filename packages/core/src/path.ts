/** Reads a dotted path (`meta.pagination.total`) from a JSON value; "" is the value itself. */
export function getPath(value: unknown, path: string): unknown {
  if (path === "") return value;
  let current = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
