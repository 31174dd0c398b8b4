import type { BatchItem, DownloadOptions, OperationMeta, PortalDefinition } from "@sciportals/core";
import { join } from "node:path";
import { UsageError } from "../exit-codes.js";

/**
 * How a portal's files map onto its download operation. Everything else is read from the spec's
 * metadata: the download operation's parameters say which fields of a listed item fill them.
 */
export interface DownloadProfile {
  /** The download operation used when `--operation` is not given. */
  operation: string;
}

/**
 * The default download operation of each portal with several; a portal with a single download
 * operation needs no entry. Only a choice the metadata cannot make is written here.
 */
export const DOWNLOAD_PROFILES: Readonly<Record<string, DownloadProfile>> = {
  // Files of a dataset, through a pre-signed URL.
  stomics: { operation: "getDatasetFileDownloadUrl" },
  // A data item's file; the others are bulk archives, execution outputs and templates.
  flow: { operation: "downloadData" },
  // A file by id; the others stream search results.
  "genestack-odm": { operation: "getFileAsUser" },
};

/** Item fields read as a file's name, size and checksum, first found wins (snake and camel case). */
const NAME_FIELDS = ["filename", "file_name", "fileName", "name"];
const SIZE_FIELDS = ["size_bytes", "sizeBytes", "size", "file_size", "fileSize", "filesize"];
const CHECKSUMS = [
  ["sha256", "sha256"],
  ["sha512", "sha512"],
  ["sha1", "sha1"],
  ["md5", "md5"],
  ["md5sum", "md5"],
  ["md5_checksum", "md5"],
] as const;

/** The download operations of a portal, by method name. */
export function downloadOperations(definition: PortalDefinition): OperationMeta[] {
  return Object.values(definition.operations).filter((op) => op.transfer?.direction === "download");
}

/** The download operation to use: `--operation` (method name or kebab-case), else the portal's default. */
export function pickDownloadOperation(
  portal: string,
  definition: PortalDefinition,
  requested?: string,
): OperationMeta {
  const ops = downloadOperations(definition);
  const wanted =
    requested ?? DOWNLOAD_PROFILES[portal]?.operation ?? (ops.length === 1 ? ops[0]!.id : undefined);
  const op = ops.find((o) => o.id === wanted || kebab(o.id) === wanted);
  if (!op) {
    throw new UsageError(
      `${portal}: choose a download operation with --operation (${ops.map((o) => kebab(o.id)).join(", ")})`,
    );
  }
  return op;
}

/** `getDatasetFileDownloadUrl` → `get-dataset-file-download-url`, as the generated commands name it. */
export function kebab(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/**
 * The parameter an id fills: the last required path parameter whose name ends in "id"
 * (`file_id`, `dataId`, `id`), else the last required path parameter.
 */
export function idParameter(op: OperationMeta): string {
  const path = (op.params ?? []).filter((p) => p.in === "path" && p.required);
  const named = path.filter((p) => /id$/i.test(p.name));
  const param = named.at(-1) ?? path.at(-1);
  if (!param) throw new UsageError(`${op.id} takes no path parameter to name a file by`);
  return param.name;
}

/** One file to download, before it becomes a batch item: the operation's input and what is known of the file. */
export interface FileSpec {
  /** Path and query parameters of the download operation. */
  params: Record<string, string>;
  /** The name to save it under, when known. */
  name?: string | undefined;
  size?: number | undefined;
  checksum?: DownloadOptions["checksum"];
}

/**
 * An id from the command line or a list file: `123` fills the id parameter; `STD0001/7` fills
 * every required path parameter in order (accession, then file id). `--param` supplies the rest.
 */
export function fileFromId(op: OperationMeta, id: string, fixed: Record<string, string>): FileSpec {
  const required = (op.params ?? []).filter((p) => p.in === "path" && p.required).map((p) => p.name);
  const segments = id.split("/");
  const params = { ...fixed };
  if (segments.length > 1 && segments.length === required.length) {
    required.forEach((name, i) => (params[name] = segments[i]!));
  } else if (segments.length === 1) {
    params[idParameter(op)] = id;
  } else {
    throw new UsageError(`"${id}": give an id, or ${required.join("/")}`);
  }
  return { params };
}

/**
 * A listed item (a row of a list operation): each parameter of the download operation is taken
 * from `--param`, else the item's field of the same name, else (for the id parameter) `id`.
 */
export function fileFromItem(
  op: OperationMeta,
  item: Record<string, unknown>,
  fixed: Record<string, string>,
): FileSpec {
  const idParam = idParameter(op);
  // Fields of the portal's own for the id and name, from the spec (`x-sciportals-transfer.listed`).
  const fields = (op.transfer?.direction === "download" ? op.transfer.listed : undefined) ?? {};
  const params: Record<string, string> = {};
  for (const p of op.params ?? []) {
    if (p.in !== "path" && p.in !== "query") continue;
    const id = p.name === idParam ? (scalar(item[fields.id ?? "id"]) ?? scalar(item.id)) : undefined;
    const value = fixed[p.name] ?? scalar(item[p.name]) ?? id;
    if (value !== undefined) params[p.name] = value;
  }
  const described = describeItem(item);
  const name = fields.name !== undefined ? item[fields.name] : undefined;
  if (typeof name === "string" && name !== "") described.name = name;
  return { params, ...described };
}

/** A listed item's name, size and checksum, from the fields portals commonly use. */
export function describeItem(item: Record<string, unknown>): Omit<FileSpec, "params"> {
  const name = NAME_FIELDS.map((f) => item[f]).find((v): v is string => typeof v === "string" && v !== "");
  const size = SIZE_FIELDS.map((f) => item[f]).find((v): v is number => typeof v === "number" && v > 0);
  let checksum: FileSpec["checksum"];
  for (const [field, algorithm] of CHECKSUMS) {
    const expected = item[field];
    if (typeof expected === "string" && expected !== "") {
      checksum = { algorithm, expected };
      break;
    }
  }
  return { name, size, checksum };
}

/** Fails with a usage error naming the first required parameter a file lacks. */
export function checkComplete(op: OperationMeta, file: FileSpec): void {
  for (const p of op.params ?? []) {
    if (p.required && (p.in === "path" || p.in === "query") && file.params[p.name] === undefined)
      throw new UsageError(`${kebab(op.id)} needs ${p.name}: add --param ${p.name}=…`);
  }
}

/**
 * Batch items for `downloadMany`. A file goes to `<dir>/<other path parameters>/<name>`, for
 * example `STD0001/README.txt`, so that same-named files of different datasets do not collide;
 * a file whose name is unknown is saved under its id, and a name used twice gets its id as a folder.
 */
export function toBatchItems(op: OperationMeta, files: readonly FileSpec[], dir: string): BatchItem[] {
  const idParam = idParameter(op);
  const pathParams = (op.params ?? []).filter((p) => p.in === "path").map((p) => p.name);
  const relative = files.map((file) => {
    const id = file.params[idParam]!;
    const name = file.name ?? file.params.filename ?? id;
    const context = pathParams
      .filter((n) => n !== idParam && file.params[n] !== name && file.params[n] !== undefined)
      .map((n) => file.params[n]!);
    return { id, parts: [...context, name] };
  });
  const seen = new Map<string, number>();
  for (const r of relative) seen.set(r.parts.join("/"), (seen.get(r.parts.join("/")) ?? 0) + 1);
  return files.map((file, i) => {
    const { id, parts } = relative[i]!;
    const unique = seen.get(parts.join("/"))! > 1 ? [...parts.slice(0, -1), id, parts.at(-1)!] : parts;
    const options: DownloadOptions = { createDirectories: true };
    if (file.size !== undefined) options.expectedSize = file.size;
    if (file.checksum) options.checksum = file.checksum;
    return {
      operationId: op.id,
      input: inputOf(op, file.params),
      destination: join(dir, ...unique.map(safeSegment)),
      options,
    };
  });
}

/** An operation input (`{ path, query }`) from string values, numbers where the spec says so. */
export function inputOf(op: OperationMeta, params: Record<string, string>) {
  const path: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  for (const p of op.params ?? []) {
    const raw = params[p.name];
    if (raw === undefined) continue;
    const value = p.type === "integer" || p.type === "number" ? Number(raw) : raw;
    if (p.in === "path") path[p.name] = value;
    else if (p.in === "query") query[p.name] = value;
  }
  return { path, query };
}

function scalar(value: unknown): string | undefined {
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

// A name from a server never climbs out of the download directory.
function safeSegment(segment: string): string {
  const cleaned = segment.replace(/[/\\]/g, "_");
  return cleaned === "." || cleaned === ".." || cleaned === "" ? "_" : cleaned;
}
