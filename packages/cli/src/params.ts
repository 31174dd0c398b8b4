import type { OperationMeta, ParamMeta, RawInput } from "@sciportals/core";
import { InvalidArgumentError, Option } from "commander";
import { camel, kebab } from "./naming.js";

/** Flags every operation command has; a parameter with one of these names gets `--param-` in front. */
export const RESERVED_FLAGS = new Set([
  "base-url",
  "token",
  "token-file",
  "output",
  "all",
  "verbose",
  "progress",
  "no-progress",
  "body",
  "out",
  "help",
]);

/** One parameter as a flag: where its value goes in the call's input. */
export interface ParamFlag {
  param: ParamMeta;
  flag: string;
  /** The key of the parsed value in commander's options. */
  key: string;
}

type Scalar = string | number | boolean;

function parseScalar(raw: string, type: ParamMeta["type"], flag: string): Scalar {
  if (type === "integer" || type === "number") {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || (type === "integer" && !Number.isInteger(value)))
      throw new InvalidArgumentError(`--${flag} takes ${type === "integer" ? "an integer" : "a number"}.`);
    return value;
  }
  if (type === "boolean") {
    if (raw === "true") return true;
    if (raw === "false") return false;
    throw new InvalidArgumentError(`--${flag} takes true or false.`);
  }
  return raw;
}

function checkEnum(value: Scalar, allowed: ParamMeta["enum"], flag: string): Scalar {
  if (allowed && !allowed.includes(value))
    throw new InvalidArgumentError(`--${flag} takes one of: ${allowed.join(", ")}.`);
  return value;
}

function describe(param: ParamMeta, doc: string | undefined): string {
  const text = (doc ?? "").replace(/\s+/g, " ").trim();
  const hints: string[] = [];
  if (param.type === "array") {
    hints.push("repeatable or comma-separated");
    if (param.items?.enum) hints.push(`of: ${param.items.enum.join(", ")}`);
  }
  if (param.type === "object") hints.push("KEY=VALUE, repeatable");
  if (param.minimum !== undefined || param.maximum !== undefined)
    hints.push(`${param.minimum ?? ""}..${param.maximum ?? ""}`);
  if (param.in === "body") hints.push("body field");
  return [text, hints.length ? `(${hints.join("; ")})` : ""].filter(Boolean).join(" ");
}

/**
 * A commander option for a parameter, typed from its metadata: numbers parsed, closed enums as
 * choices, arrays repeatable or comma-separated, objects as repeatable `KEY=VALUE`.
 */
export function optionFor(
  param: ParamMeta,
  doc: string | undefined,
  taken: Set<string>,
): ParamFlag & { option: Option } {
  let flag = kebab(param.name);
  if (RESERVED_FLAGS.has(flag) || taken.has(flag)) flag = `param-${flag}`;
  taken.add(flag);
  const key = camel(flag);
  const type = param.type;
  const option =
    type === "boolean"
      ? new Option(`--${flag} [true|false]`, describe(param, doc)).argParser((raw) =>
          raw === undefined ? true : parseScalar(raw, "boolean", flag),
        )
      : new Option(
          `--${flag} <${type === "object" ? "key=value" : (type ?? "value")}>`,
          describe(param, doc),
        );
  if (type === "array") {
    option.argParser((raw: string, previous: unknown) => [
      ...((previous as Scalar[] | undefined) ?? []),
      ...raw
        .split(",")
        .filter((part) => part !== "")
        .map((part) => checkEnum(parseScalar(part, param.items?.type, flag), param.items?.enum, flag)),
    ]);
  } else if (type === "object") {
    option.argParser((raw: string, previous: unknown) => {
      const at = raw.indexOf("=");
      if (at <= 0) throw new InvalidArgumentError(`--${flag} takes KEY=VALUE (such as name.icontains=rat).`);
      return {
        ...((previous as Record<string, string> | undefined) ?? {}),
        [raw.slice(0, at)]: raw.slice(at + 1),
      };
    });
  } else if (param.enum && type !== "boolean") {
    option.choices(param.enum.map(String));
    if (type === "integer" || type === "number") option.argParser((raw) => parseScalar(raw, type, flag));
  } else if (type === "integer" || type === "number") {
    option.argParser((raw) => parseScalar(raw, type, flag));
  }
  // A required body field may come from --body instead, so only path/query/header are mandatory.
  if (param.required && param.in !== "body") option.makeOptionMandatory();
  return { param, flag, key, option };
}

/** The flags of an operation's parameters, in spec order. */
export function paramFlags(
  meta: OperationMeta,
  docs: Readonly<Record<string, string>> | undefined,
): (ParamFlag & { option: Option })[] {
  const taken = new Set<string>();
  return (meta.params ?? []).map((param) => optionFor(param, docs?.[param.name], taken));
}

/** The call's input from the parsed flags and an optional JSON body (flags' body fields win). */
export function inputFrom(
  flags: readonly ParamFlag[],
  values: Record<string, unknown>,
  body: unknown,
): RawInput {
  const input: RawInput = {};
  const fields: Record<string, unknown> = {};
  for (const { param, key } of flags) {
    const value = values[key];
    if (value === undefined) continue;
    if (param.in === "body") fields[param.name] = value;
    else (input[param.in] ??= {})[param.name] = value;
  }
  if (Object.keys(fields).length > 0) {
    const base = body === undefined ? {} : body;
    if (typeof base !== "object" || base === null || Array.isArray(base))
      throw new InvalidArgumentError("body field flags need --body to be a JSON object.");
    input.body = { ...base, ...fields };
  } else if (body !== undefined) input.body = body;
  return input;
}
