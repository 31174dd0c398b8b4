import type { RawInput } from "@sciportals/core";
import { BODY } from "./schema.js";
import type { ToolInput } from "./schema.js";

/** Turns a tool call's arguments into the operation's input (`path`, `query`, `header`, `body`). */
export function toRawInput(input: ToolInput, args: Record<string, unknown>): RawInput {
  const raw: {
    path: Record<string, unknown>;
    query: Record<string, unknown>;
    header: Record<string, unknown>;
  } = {
    path: {},
    query: {},
    header: {},
  };
  for (const [name, param] of input.targets) {
    const value = args[name];
    if (value === undefined || param.in === "body") continue;
    raw[param.in][param.name] = value;
  }
  const body = input.hasBody ? args[BODY] : undefined;
  return { ...raw, ...(body !== undefined && { body }) };
}
