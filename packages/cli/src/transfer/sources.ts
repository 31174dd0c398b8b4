import type {
  BatchItem,
  DownloadManyOptions,
  DownloadManyResult,
  OperationMeta,
  PortalDefinition,
} from "@sciportals/core";
import { readFile } from "node:fs/promises";
import {
  checkComplete,
  describeItem,
  fileFromId,
  fileFromItem,
  idParameter,
  inputOf,
  kebab,
  type FileSpec,
} from "./mapping.js";
import { UsageError } from "../exit-codes.js";

/** The parts of a portal client the transfer commands use. */
export interface TransferClient {
  paginate(operationId: string, input?: unknown): AsyncIterable<unknown>;
  downloadMany(items: readonly BatchItem[], options?: DownloadManyOptions): Promise<DownloadManyResult>;
  [operationId: string]: unknown;
}

/** Where the files to download come from: the command's arguments and flags. */
export interface FileSources {
  ids: readonly string[];
  /** `--from`: a file of ids, one a line; `#` starts a comment. */
  from?: string | undefined;
  /** `--list`: a list operation whose items are the files. */
  list?: string | undefined;
  /** `--param k=v`, for the list and download operations alike (each takes the names it has). */
  params: Record<string, string>;
}

/** Every file named by ids, a list file and a list operation, in that order. */
export async function collectFiles(
  client: TransferClient,
  definition: PortalDefinition,
  op: OperationMeta,
  sources: FileSources,
): Promise<FileSpec[]> {
  const fixed = only(op, sources.params);
  const ids = [...sources.ids];
  if (sources.from) ids.push(...parseIdList(await readFile(sources.from, "utf8")));
  const files = ids.map((id) => fileFromId(op, id, fixed));
  await nameFromListing(client, definition, op, files);
  if (sources.list) {
    const listOp = findOperation(definition, sources.list);
    for await (const item of listItems(client, listOp, only(listOp, sources.params))) {
      if (item && typeof item === "object")
        files.push(fileFromItem(op, item as Record<string, unknown>, fixed));
    }
  }
  if (files.length === 0)
    throw new UsageError("name files to download: ids, --from <file> or --list <operation>");
  for (const file of files) checkComplete(op, file);
  return files;
}

/** Ids in a list file: one a line, blank lines and `#` comments ignored. */
export function parseIdList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
}

/** `k=v` flags, collected by commander. */
export function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq < 1) throw new UsageError(`--param takes name=value, not "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function findOperation(definition: PortalDefinition, name: string): OperationMeta {
  const op = Object.values(definition.operations).find((o) => o.id === name || kebab(o.id) === name);
  if (!op || op.method !== "GET") throw new UsageError(`--list: no list operation "${name}"`);
  return op;
}

/** The items of a list operation: every page of a paginated one, else the array it returns. */
async function* listItems(
  client: TransferClient,
  op: OperationMeta,
  params: Record<string, string>,
): AsyncIterable<unknown> {
  const input = inputOf(op, params);
  if (op.pagination) {
    yield* client.paginate(op.id, input);
    return;
  }
  const call = client[op.id] as (input: unknown) => Promise<unknown>;
  const body = await call(input);
  const items = Array.isArray(body) ? body : firstArray(body);
  if (!items) throw new UsageError(`--list: ${kebab(op.id)} returns no list of items`);
  yield* items;
}

// Unpaginated list responses put their rows at the top or in one array field (`items`, `data`…).
function firstArray(body: unknown): unknown[] | undefined {
  if (!body || typeof body !== "object") return undefined;
  return Object.values(body).find(Array.isArray);
}

function only(op: OperationMeta, params: Record<string, string>): Record<string, string> {
  const names = new Set((op.params ?? []).map((p) => p.name));
  return Object.fromEntries(Object.entries(params).filter(([k]) => names.has(k)));
}

/**
 * Files named by id get their name, size and checksum from the listing next to the download
 * operation in the spec, when there is one: the GET operation at the download path cut before
 * the id (`/datasets/{accession}/files` for `/datasets/{accession}/files/{file_id}/download`),
 * called once per distinct set of its parameters. Without it, or if it fails, a file keeps its id as
 * its name and is verified by what the server sends.
 */
async function nameFromListing(
  client: TransferClient,
  definition: PortalDefinition,
  op: OperationMeta,
  files: FileSpec[],
): Promise<void> {
  const idParam = idParameter(op);
  const cut = op.path.indexOf(`/{${idParam}}`);
  if (cut < 0 || files.length === 0) return;
  const listing = Object.values(definition.operations).find(
    (o) => o.method === "GET" && o.path === op.path.slice(0, cut) && !o.transfer,
  );
  if (!listing) return;
  const groups = new Map<string, FileSpec[]>();
  for (const file of files) {
    const key = JSON.stringify(only(listing, file.params));
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  for (const [key, group] of groups) {
    const byId = new Map<string, Record<string, unknown>>();
    try {
      for await (const item of listItems(client, listing, JSON.parse(key) as Record<string, string>)) {
        if (!item || typeof item !== "object") continue;
        const row = item as Record<string, unknown>;
        const id = row[idParam] ?? row.id;
        if (typeof id === "string" || typeof id === "number") byId.set(String(id), row);
      }
    } catch {
      continue;
    }
    for (const file of group) {
      const row = byId.get(file.params[idParam]!);
      if (row) Object.assign(file, describeItem(row));
    }
  }
}
