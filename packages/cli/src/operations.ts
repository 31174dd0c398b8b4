import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { OperationMeta } from "@sciportals/core";
import { Command, Option } from "commander";
import { readBody } from "./body.js";
import { clientFor, type AnyClient } from "./client.js";
import { withGlobalOptions, type GlobalFlags } from "./global-options.js";
import { kebab } from "./naming.js";
import { at, defaultFormat, writeResult, writeStream } from "./output.js";
import { inputFrom, paramFlags, type ParamFlag } from "./params.js";
import type { CliPortal } from "./portals.js";

/** Verbs the CLI adds to a portal; a generated operation of the same name becomes `op-<name>`. */
export const BUILT_IN_VERBS = new Set([
  "login",
  "logout",
  "whoami",
  "load",
  "save",
  "delete",
  "download",
  "upload",
  "mcp",
  "help",
]);

/** The command name of an operation: its id in kebab-case, `op-` in front where a verb has the name. */
export function commandNameOf(meta: OperationMeta): string {
  const name = kebab(meta.id);
  return BUILT_IN_VERBS.has(name) ? `op-${name}` : name;
}

/** Methods that take a request body. */
const WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function helpText(portal: CliPortal, meta: OperationMeta): string {
  const docs = portal.docs[meta.id];
  const lines = [docs?.summary ?? meta.summary ?? `${meta.method} ${meta.path}`];
  if (docs?.deprecated) lines.push("", "Deprecated.");
  if (docs?.description && docs.description !== docs.summary) lines.push("", docs.description.trim());
  lines.push("", `${meta.method} ${meta.path}`);
  if (meta.pagination) lines.push("Paginated: --all streams every item of every page.");
  return lines.join("\n");
}

async function writeBinary(result: unknown): Promise<boolean> {
  if (result instanceof ReadableStream) {
    await pipeline(Readable.fromWeb(result as import("node:stream/web").ReadableStream), process.stdout, {
      end: false,
    });
    return true;
  }
  if (result instanceof Blob || result instanceof ArrayBuffer) {
    const bytes = result instanceof Blob ? await result.arrayBuffer() : result;
    process.stdout.write(Buffer.from(bytes));
    return true;
  }
  return false;
}

type Values = GlobalFlags & { body?: string; out?: string } & Record<string, unknown>;

/** Runs one operation from its parsed flags and writes the result. */
async function runOperation(
  portal: CliPortal,
  meta: OperationMeta,
  flags: readonly ParamFlag[],
  values: Values,
) {
  const body = values.body === undefined ? undefined : await readBody(values.body);
  const input = inputFrom(flags, values, body);
  const client: AnyClient = await clientFor(portal, values);
  const format = values.output ?? defaultFormat();
  if (values.all && meta.pagination) {
    await writeStream(client.paginate(meta.id, input), format);
    return;
  }
  if (values.out !== undefined) {
    const result = await client.download(meta.id, input, values.out);
    await writeResult(result, format);
    return;
  }
  const call = client[meta.id] as (input: unknown) => Promise<unknown>;
  const result = await call(input);
  if (await writeBinary(result)) return;
  const items = meta.pagination ? at(result, meta.pagination.items) : undefined;
  await writeResult(result, format, Array.isArray(items) ? items : undefined);
  if (meta.pagination && format === "table" && Array.isArray(items)) {
    const total = meta.pagination.total ? at(result, meta.pagination.total) : undefined;
    process.stderr.write(
      `${items.length} item(s)${typeof total === "number" ? ` of ${total}` : ""}; --all for every page\n`,
    );
  }
}

/** The command for one operation, generated from its metadata and docs. */
export function operationCommand(portal: CliPortal, meta: OperationMeta): Command {
  const docs = portal.docs[meta.id];
  const flags = paramFlags(meta, docs?.params);
  const command = new Command(commandNameOf(meta))
    .description(helpText(portal, meta))
    .summary(docs?.summary ?? "");
  for (const { option } of flags) command.addOption(option);
  if (WITH_BODY.has(meta.method) && !meta.bodyType)
    command.addOption(
      new Option("--body <json>", "the JSON request body: '{…}', @file.json, or - for stdin"),
    );
  if (meta.transfer?.direction === "download")
    command.addOption(new Option("--out <path>", "save the file here (streamed, resumable, verified)"));
  withGlobalOptions(command, { paginated: Boolean(meta.pagination) });
  command.action((values: Values) => runOperation(portal, meta, flags, values));
  return command;
}

/** Adds every operation of a portal to its command, in help groups by the spec's first tag. */
export function addOperations(portalCommand: Command, portal: CliPortal): void {
  const operations = Object.values(portal.definition().operations);
  const tagOf = (meta: OperationMeta) => portal.docs[meta.id]?.tags?.[0] ?? "other";
  const sorted = [...operations].sort((a, b) => tagOf(a).localeCompare(tagOf(b)));
  for (const meta of sorted) {
    const command = operationCommand(portal, meta);
    command.helpGroup(`${tagOf(meta)}:`);
    portalCommand.addCommand(command);
  }
}
