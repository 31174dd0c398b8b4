import type { OperationDocs, OperationMeta } from "@sciportals/core";

/**
 * What an operation is to an agent: a paginated `list` (one page a call), a `download` (saved to
 * the download directory), another `read`, a `write`, or `excluded` (never served: see
 * {@link kindOf}).
 */
export type ToolKind = "list" | "download" | "read" | "write" | "excluded";

/**
 * Classifies an operation from its metadata. Reads are GET and HEAD, and POSTs the spec marks
 * idempotent (searches sent as a body); every other method is a write.
 */
export function kindOf(meta: OperationMeta, docs: OperationDocs | undefined): ToolKind {
  // Uploads need a local file as their source, which an agent must not be able to name freely.
  if (meta.transfer?.direction === "upload") return "excluded";
  // Authentication operations take passwords or return tokens: a tool result must never carry a
  // credential, and `sciportals <portal> login` is where people sign in.
  if (docs?.tags?.includes("auth")) return "excluded";
  if (meta.transfer?.direction === "download") return "download";
  const read =
    meta.method === "GET" || meta.method === "HEAD" || (meta.method === "POST" && meta.idempotent === true);
  if (!read) return "write";
  return meta.pagination ? "list" : "read";
}
