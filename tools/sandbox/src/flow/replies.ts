/** The Flow server's stock answers, and the small helpers its list endpoints share. */
import type { HandlerResult } from "../spec-router.js";
export const NOT_FOUND: HandlerResult = { status: 404, body: { error: "Not found" } };
export const BARE_404: HandlerResult = { status: 404 };
export const FORBIDDEN_SCOPE: HandlerResult = {
  status: 403,
  body: { error: "Token not authorised for this endpoint" },
};
export const FORBIDDEN: HandlerResult = {
  status: 403,
  body: { error: "You do not have permission to do that" },
};
export const UNAUTHORIZED_MESSAGES = {
  missing: "Not authorized",
  invalid: "Invalid token",
  expired: "Token has expired",
} as const;
export const BINARY_EXTENSIONS = new Set([
  "gz",
  "bam",
  "bai",
  "bw",
  "bigwig",
  "zip",
  "tar",
  "bz2",
  "xz",
  "h5",
  "h5ad",
  "png",
  "jpg",
  "jpeg",
  "pdf",
  "xlsx",
  "cram",
  "sra",
]);

export const bad = (error: unknown): HandlerResult => ({ status: 400, body: { error } });
export const fields = (field: string, message: string): HandlerResult => ({
  status: 400,
  body: { [field]: [message] },
});
export const ok = (message: string, extra: Record<string, unknown> = {}): HandlerResult => ({
  status: 200,
  body: { success: true, message, ...extra },
});
export const truthy = (v: unknown) => typeof v === "string" && /^(1|true|yes|on)$/i.test(v);
export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const contains = (haystack: string | null | undefined, needle: string) =>
  (haystack ?? "").toLowerCase().includes(needle.toLowerCase());

export function paged<T>(
  key: string,
  items: T[],
  query: Record<string, any>,
  map: (item: T) => unknown,
): HandlerResult {
  const page = (query.page as number | undefined) ?? 1;
  const count = (query.count as number | undefined) ?? 10;
  return {
    status: 200,
    body: { count: items.length, page, [key]: items.slice((page - 1) * count, page * count).map(map) },
  };
}

export function sortBy<T extends { created: number; id: string }>(
  items: T[],
  sort: string | undefined,
  name: (t: T) => string,
) {
  const s = sort ?? "-created";
  const byCreated = (a: T, b: T) => a.created - b.created || Number(a.id) - Number(b.id);
  const byName = (a: T, b: T) => name(a).localeCompare(name(b)) || Number(a.id) - Number(b.id);
  const compare = s.endsWith("created") ? byCreated : byName;
  return [...items].sort((a, b) => (s.startsWith("-") ? -compare(a, b) : compare(a, b)));
}

export function coerceFormValue(value: string, type: unknown): unknown {
  if (type === "integer" || type === "number")
    return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (type === "boolean") {
    if (/^(true|1|yes|on)$/i.test(value)) return true;
    if (/^(false|0|no|off|)$/i.test(value)) return false;
  }
  return value;
}
