import { ValidationError } from "./errors.js";
import type { OperationMeta, ParamMeta, RawInput } from "./operation.js";

const patterns = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let compiled = patterns.get(pattern);
  if (!compiled) {
    compiled = new RegExp(pattern, "u");
    patterns.set(pattern, compiled);
  }
  return compiled;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function checkScalar(
  value: unknown,
  rule: Pick<ParamMeta, "type" | "enum" | "pattern" | "minimum" | "maximum" | "minLength" | "maxLength">,
): string | undefined {
  switch (rule.type) {
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value))
        return `must be an integer (got ${show(value)})`;
      break;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value))
        return `must be a number (got ${show(value)})`;
      break;
    case "boolean":
      if (typeof value !== "boolean") return `must be true or false (got ${show(value)})`;
      break;
    case "string":
      if (typeof value !== "string") return `must be a string (got ${show(value)})`;
      break;
  }
  if (rule.enum && !rule.enum.includes(value as string)) {
    return `must be one of ${rule.enum.map(show).join(", ")} (got ${show(value)})`;
  }
  if (typeof value === "number") {
    if (rule.minimum !== undefined && value < rule.minimum) {
      return rule.maximum !== undefined
        ? `must be between ${rule.minimum} and ${rule.maximum} (got ${value})`
        : `must be at least ${rule.minimum} (got ${value})`;
    }
    if (rule.maximum !== undefined && value > rule.maximum) {
      return rule.minimum !== undefined
        ? `must be between ${rule.minimum} and ${rule.maximum} (got ${value})`
        : `must be at most ${rule.maximum} (got ${value})`;
    }
  }
  if (typeof value === "string") {
    if (rule.minLength !== undefined && value.length < rule.minLength) {
      return rule.minLength === 1
        ? "must not be empty"
        : `must be at least ${rule.minLength} characters long`;
    }
    if (rule.maxLength !== undefined && value.length > rule.maxLength) {
      return `must be at most ${rule.maxLength} characters long`;
    }
    if (rule.pattern && !regex(rule.pattern).test(value)) {
      return `must match ${rule.pattern} (got ${show(value)})`;
    }
  }
  return undefined;
}

function checkParam(param: ParamMeta, value: unknown): string | undefined {
  if (param.in === "path") {
    const text = String(value);
    if (text === "") return "must not be empty";
    // A slash or dot segment would silently address another resource.
    if (text.includes("/") || text === "." || text === "..")
      return `must not contain "/" or be "." or ".." (got ${show(value)})`;
  }
  if (param.type === "array") {
    if (!Array.isArray(value)) return `must be an array (got ${show(value)})`;
    if (param.items) {
      for (const element of value) {
        const problem = checkScalar(element, param.items);
        if (problem) return `has an element that ${problem}`;
      }
    }
    return undefined;
  }
  if (param.type === "object") {
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? undefined
      : "must be an object";
  }
  return checkScalar(value, param);
}

/**
 * An exploded object's keys become query parameters of their own, so a key named like another
 * parameter would silently change that parameter's meaning.
 */
function shadowing(params: readonly ParamMeta[], param: ParamMeta, value: unknown): string | undefined {
  const taken = Object.keys(value as object).find((key) =>
    params.some((other) => other !== param && other.in === "query" && other.name === key),
  );
  return taken === undefined
    ? undefined
    : `has the key "${taken}", which is the name of another query parameter`;
}

/** A body whose fields can be checked: a plain object, not FormData, a Blob or bytes. */
function plainObject(body: unknown): Record<string, unknown> | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const proto = Object.getPrototypeOf(body);
  return proto === Object.prototype || proto === null ? (body as Record<string, unknown>) : undefined;
}

/**
 * Checks a call's parameters against the spec's constraints before anything is sent, and throws
 * a {@link ValidationError} naming the operation, the parameter, the rule and the value.
 */
export function validateInput(portal: string, meta: OperationMeta, input: RawInput | undefined): void {
  if (input?.headers) checkHeaderValues(portal, input.headers, "headers", meta.id);
  if (input?.header) checkHeaderValues(portal, input.header, "header parameter", meta.id);
  const params = meta.params;
  if (!params) return;
  for (const param of params) {
    const source = param.in === "body" ? plainObject(input?.body) : input?.[param.in];
    const value = source?.[param.name];
    let problem: string | undefined;
    if (value === undefined || value === null) {
      if (param.required) problem = "is required";
    } else {
      problem =
        checkParam(param, value) ??
        (param.serialize === "form" ? shadowing(params, param, value) : undefined);
    }
    if (problem) {
      const what =
        param.in === "body" ? `body field "${param.name}"` : `${param.in} parameter "${param.name}"`;
      throw new ValidationError(`${portal}: ${meta.id}: ${what} ${problem}.`, {
        portal,
        operationId: meta.id,
        code: "invalid_argument",
        details: { parameter: param.name, in: param.in, value },
      });
    }
  }
}

// CR and LF end a header line (a value holding them would add headers or a body of its own);
// NUL ends a string in some servers. fetch would refuse them too, with the value in its message.
const UNSAFE_HEADER_VALUE = /[\r\n\0]/;

/**
 * Refuses header values that hold CR, LF or NUL (header injection) with a
 * {@link ValidationError} before anything is sent. The message names the header, never the
 * value, which may be a credential.
 */
export function checkHeaderValues(
  portal: string,
  headers: Readonly<Record<string, unknown>>,
  where: string,
  operationId?: string,
): void {
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || value === null) continue;
    if (UNSAFE_HEADER_VALUE.test(String(value)) || UNSAFE_HEADER_VALUE.test(name)) {
      throw new ValidationError(
        `${portal}: ${operationId ? `${operationId}: ` : ""}the ${where} "${name.replace(UNSAFE_HEADER_VALUE, "?")}" ` +
          "holds a line break or NUL character, which would inject headers; nothing was sent.",
        {
          portal,
          operationId,
          code: "invalid_header_value",
          details: { header: name.replace(UNSAFE_HEADER_VALUE, "?"), in: where },
        },
      );
    }
  }
}
