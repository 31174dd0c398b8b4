import { createQuerySerializer } from "openapi-fetch";
import type { OperationMeta } from "./operation.js";

type QuerySerializer = (query: Record<string, unknown>) => string;

const defaultSerializer: QuerySerializer = createQuerySerializer();
// null: the operation has no special parameters (looked up once, not per call).
const serializers = new WeakMap<OperationMeta, QuerySerializer | null>();

const encode = encodeURIComponent;

/** The operation's serializer, or openapi-fetch's default when it has no special parameters. */
export function querySerializerOrDefault(meta: OperationMeta): QuerySerializer {
  return querySerializerFor(meta) ?? defaultSerializer;
}

/**
 * The query serializer for an operation: openapi-fetch's default (exploded form arrays,
 * deepObject objects) except for parameters whose spec names another wire format.
 */
export function querySerializerFor(meta: OperationMeta): QuerySerializer | undefined {
  let serializer = serializers.get(meta);
  if (serializer !== undefined) return serializer ?? undefined;
  const special = meta.params?.filter((p) => p.in === "query" && p.serialize);
  if (!special || special.length === 0) {
    serializers.set(meta, null);
    return undefined;
  }
  const styles = new Map(special.map((p) => [p.name, p.serialize!]));
  serializer = (query) => {
    const rest: Record<string, unknown> = {};
    const parts: string[] = [];
    for (const [name, value] of Object.entries(query)) {
      const style = styles.get(name);
      if (value === undefined || value === null || !style) {
        rest[name] = value;
        continue;
      }
      const entries =
        typeof value === "object" && !Array.isArray(value)
          ? Object.entries(value).filter(([, v]) => v !== undefined && v !== null)
          : undefined;
      if (style === "braces" && entries) {
        for (const [key, v] of entries) parts.push(`${encode(`${name}{${key}}`)}=${encode(String(v))}`);
      } else if (style === "form" && entries) {
        for (const [key, v] of entries)
          for (const one of [v].flat()) parts.push(`${encode(key)}=${encode(String(one))}`);
      } else if (Array.isArray(value)) {
        if (style === "csv") parts.push(`${encode(name)}=${value.map((v) => encode(String(v))).join(",")}`);
        else for (const v of value) parts.push(`${encode(`${name}[]`)}=${encode(String(v))}`);
      } else {
        parts.push(`${encode(name)}=${encode(String(value))}`);
      }
    }
    const base = defaultSerializer(rest);
    return [base, ...parts].filter(Boolean).join("&");
  };
  serializers.set(meta, serializer);
  return serializer;
}
