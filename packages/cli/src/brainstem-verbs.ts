import type { OperationMeta, RawInput } from "@sciportals/core";
import { Command, InvalidArgumentError, Option } from "commander";
import { readBody } from "./body.js";
import { clientFor } from "./client.js";
import { UsageError } from "./exit-codes.js";
import { withGlobalOptions, type GlobalFlags } from "./global-options.js";
import { at, defaultFormat, writeResult, writeStream } from "./output.js";
import type { CliPortal } from "./portals.js";

/** One BrainSTEM model's operations, found by their paths: `/api/{portal}/{app}/{model}/[{id}/]`. */
interface ModelOperations {
  list?: OperationMeta;
  get?: OperationMeta;
  create?: OperationMeta;
  update?: OperationMeta;
  remove?: OperationMeta;
}

const MODEL_PATH = /^\/api\/(private|public)\/[^/]+\/([^/{}]+)\/(\{id\}\/)?$/;

/** The model index: `portal:model` → its operations, from the generated metadata alone. */
export function brainstemModels(portal: CliPortal): Map<string, ModelOperations> {
  const models = new Map<string, ModelOperations>();
  for (const meta of Object.values(portal.definition().operations)) {
    const match = MODEL_PATH.exec(meta.path);
    if (!match) continue;
    const key = `${match[1]}:${match[2]}`;
    const entry = models.get(key) ?? {};
    const detail = Boolean(match[3]);
    if (meta.method === "GET") entry[detail ? "get" : "list"] = meta;
    else if (meta.method === "POST" && !detail) entry.create = meta;
    else if (meta.method === "PATCH" && detail) entry.update = meta;
    else if (meta.method === "DELETE" && detail) entry.remove = meta;
    models.set(key, entry);
  }
  return models;
}

interface VerbFlags extends GlobalFlags {
  portal: "private" | "public";
  id?: string;
  filters?: string[];
  sort?: string[];
  include?: string[];
  limit?: number;
  offset?: number;
  data?: string;
}

function filtersOf(pairs: readonly string[] = []): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const filter: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0)
      throw new UsageError(`--filters takes FIELD=VALUE (such as name.icontains=rat), not ${pair}`);
    filter[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return filter;
}

function integer(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError("takes a whole number.");
  return value;
}

function operationFor(portal: CliPortal, verb: "load" | "save" | "delete", model: string, flags: VerbFlags) {
  const models = brainstemModels(portal);
  const entry = models.get(`${flags.portal}:${model}`);
  if (!entry) {
    const known = [...new Set([...models.keys()].map((k) => k.split(":")[1]))].sort();
    throw new UsageError(
      `no ${flags.portal} BrainSTEM model ${JSON.stringify(model)}; models: ${known.join(", ")}`,
    );
  }
  const meta =
    verb === "load"
      ? flags.id
        ? entry.get
        : entry.list
      : verb === "save"
        ? flags.id
          ? entry.update
          : entry.create
        : entry.remove;
  if (verb === "delete" && !flags.id) throw new UsageError("delete needs --id");
  if (!meta) throw new UsageError(`BrainSTEM has no ${verb} for the ${flags.portal} model ${model}`);
  return meta;
}

async function runVerb(portal: CliPortal, verb: "load" | "save" | "delete", model: string, flags: VerbFlags) {
  const meta = operationFor(portal, verb, model, flags);
  const input: RawInput = {};
  if (flags.id) input.path = { id: flags.id };
  if (verb === "load") {
    const query: Record<string, unknown> = {
      filter: filtersOf(flags.filters),
      sort: flags.sort,
      include: flags.include,
      limit: flags.limit,
      offset: flags.offset,
    };
    // Only what the operation takes: a detail load accepts include but not filters or paging.
    const names = new Set((meta.params ?? []).map((p) => p.name));
    input.query = Object.fromEntries(
      Object.entries(query).filter(([k, v]) => v !== undefined && names.has(k)),
    );
  }
  if (verb === "save") {
    if (flags.data === undefined)
      throw new UsageError("save needs --data JSON (or @file.json, or - for stdin)");
    input.body = await readBody(flags.data);
  }
  const client = await clientFor(portal, flags);
  const format = flags.output ?? defaultFormat();
  if (flags.all && meta.pagination) {
    await writeStream(client.paginate(meta.id, input), format);
    return;
  }
  const result = await (client[meta.id] as (input: RawInput) => Promise<unknown>)(input);
  const items = meta.pagination ? at(result, meta.pagination.items) : undefined;
  await writeResult(result ?? { deleted: flags.id }, format, Array.isArray(items) ? items : undefined);
}

/**
 * `load`, `save` and `delete <model>` with the flag names of BrainSTEM's Python tool, mapped by
 * model name onto the generated operations.
 */
export function brainstemVerbs(portal: CliPortal): Command[] {
  const verbs = [
    ["load", "Load records of a model (one with --id), as `brainstem load` does"],
    ["save", "Create a record from --data, or update the one named by --id, as `brainstem save` does"],
    ["delete", "Delete the record named by --id, as `brainstem delete` does"],
  ] as const;
  return verbs.map(([verb, description]) => {
    const command = new Command(verb)
      .description(description)
      .argument("<model>", "the model, such as session, subject or project")
      .addOption(
        new Option("--portal <portal>", "private or public")
          .choices(["private", "public"])
          .default("private"),
      )
      .addOption(new Option("--id <uuid>", "the record's id"));
    if (verb === "load")
      command
        .addOption(new Option("--filters <FIELD=VALUE...>", "filters, such as name.icontains=rat"))
        .addOption(new Option("--sort <field...>", "sort fields; - in front for descending"))
        .addOption(new Option("--include <relation...>", "related records to embed"))
        .addOption(new Option("--limit <n>", "records per page").argParser(integer))
        .addOption(new Option("--offset <n>", "records to skip").argParser(integer));
    if (verb === "save")
      command.addOption(new Option("--data <json>", "the record: JSON, @file.json or - for stdin"));
    withGlobalOptions(command, { paginated: verb === "load" });
    return command.action((model: string, flags: VerbFlags) => runVerb(portal, verb, model, flags));
  });
}
