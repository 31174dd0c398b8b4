/**
 * `validateResponses` (and `SCIPORTALS_VALIDATE`): spec drift detection. Each JSON success body of
 * a named operation is checked against the operation's schema from the spec, and each difference
 * (operation, JSON pointer, keyword) is reported once per client: a `warn` line in the client's
 * logger, or a {@link ResponseValidationError}; every one is kept for {@link DriftReport}.
 *
 * The schemas and the validator (`schema-check.ts`) are a chunk of their own, loaded by the
 * portal's generated `response-schemas.gen.ts` on the first call with validation on: a client
 * without it never loads them, and this module is reached only from the full client's factory.
 */
import type { PortalDefinition, PortalClientOptions } from "./base.js";
import { ConfigurationError, PortalError, type ErrorContext } from "./errors.js";
import { consoleLogger, logfmt, type Logger } from "./log.js";
import type { OperationMeta } from "./operation.js";
import { redactSnippet } from "./redact.js";
import type { ResponseChecker, SchemaDifference } from "./schema-check.js";
import type { SecretRegistry } from "./secrets.js";

/** `warn`: log each difference once; `throw`: fail the call with a {@link ResponseValidationError}. */
export type ValidateResponsesMode = "warn" | "throw";

/** What a portal's generated `response-schemas.gen.ts` module exports. */
export interface ResponseSchemaModule {
  /** Checks bodies against the portal's schemas. */
  checker: ResponseChecker;
}

/** One way a portal's answers differ from its spec, as {@link DriftReport} lists it. */
export interface DriftDifference {
  /** The operation (method name) whose response differs. */
  operationId: string;
  /** `GET /api/v1/datasets/{accession}`: the operation's method and path template. */
  request: string;
  /** The response's HTTP status. */
  status: number;
  /** JSON pointer of the first value found to differ (`/items/0/species`). */
  pointer: string;
  /** The schema keyword that failed (`type`, `required`, `enum`, `additionalProperties`, …). */
  keyword: string;
  /** What the spec asks for, in words. */
  expected: string;
  /** What the portal sent: its JSON type and a short preview (never a known secret). */
  got: string;
  /** How many responses showed it (array positions count as one place: `/items/0` and `/items/7`). */
  count: number;
}

/** Every difference a client has seen between its portal's answers and the spec. */
export interface DriftReport {
  /** The portal's display name. */
  portal: string;
  /** `warn`, `throw`, or `off` when validation is not on (the report is then empty). */
  mode: ValidateResponsesMode | "off";
  /** How many response bodies were checked. */
  checked: number;
  /** The differences, in the order they were first seen. */
  differences: DriftDifference[];
}

/**
 * A response body does not match the operation's schema in the spec (`validateResponses: "throw"`).
 * `differences` lists what differs; `details` holds the same list.
 */
export class ResponseValidationError extends PortalError {
  /** What differs in this response (each place once, with its count across the client's calls). */
  readonly differences: readonly DriftDifference[];

  constructor(message: string, init: ErrorContext & { status: number; differences: DriftDifference[] }) {
    super(message, { ...init, code: "response_drift", details: init.differences });
    this.differences = init.differences;
  }
}

/** A client's validation: checks a body, and reports what it found. */
export interface ResponseValidation {
  /**
   * Checks one success body (absent when validation is off): logs the differences new to this
   * client in `warn` mode; in `throw` mode rejects with every difference of this body.
   */
  check?:
    | ((meta: OperationMeta, response: Response, body: unknown, context: ErrorContext) => Promise<void>)
    | undefined;
  /** A copy of what was found so far. */
  report(): DriftReport;
}

/** The mode the option (or, without it, `SCIPORTALS_VALIDATE`) asks for, or undefined for off. */
export function validateModeFrom(
  option: PortalClientOptions["validateResponses"],
  env: Record<string, string | undefined>,
  portal: string,
): ValidateResponsesMode | undefined {
  const value = option ?? env.SCIPORTALS_VALIDATE?.trim().toLowerCase();
  if (value === undefined || value === "" || value === false || value === "off") return undefined;
  if (value === "warn" || value === "throw") return value;
  throw new ConfigurationError(
    `${portal}: validateResponses (or SCIPORTALS_VALIDATE) must be "warn", "throw" or off, not ${JSON.stringify(String(value))}.`,
    { portal, code: "invalid_option" },
  );
}

/**
 * Sets up a full client's validation (only its report when `mode` is off). `definition`'s
 * `responseSchemas` loader is called once, on the first check.
 */
export function createResponseValidation(
  definition: PortalDefinition,
  mode: ValidateResponsesMode | undefined,
  logger: Logger | undefined,
  secrets: SecretRegistry,
): ResponseValidation {
  const portal = definition.title;
  const differences: DriftDifference[] = [];
  const byKey = new Map<string, DriftDifference>();
  let checked = 0;
  const report = (): DriftReport => ({
    portal,
    mode: mode ?? "off",
    checked,
    differences: differences.map((d) => ({ ...d })),
  });
  if (!mode) return { report };
  const load = definition.responseSchemas;
  if (!load)
    throw new ConfigurationError(
      `${portal}: validateResponses needs the portal's response schemas, which this client's package ` +
        "does not have (regenerate it with a newer @sciportals/codegen).",
      { portal, code: "invalid_option" },
    );
  const log = logger ?? consoleLogger("warn");
  // Validation is a diagnostic: a problem of its own (a chunk that fails to load, a schema the
  // validator cannot use) is logged once and leaves the calls alone.
  const problem = (what: string, error: unknown, operation?: string) =>
    log.warn(
      secrets.scrub(
        logfmt("warn", {
          event: "drift",
          portal,
          operation,
          problem: `${what}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
        }),
      ),
    );
  const unusable = new Set<string>();
  let loading: Promise<ResponseChecker | undefined> | undefined;
  const checker = () =>
    (loading ??= load().then(
      (module) => module.checker,
      (error: unknown) => void problem("the response schemas did not load", error),
    ));

  return {
    report,
    async check(meta, response, body, context) {
      const status = response.status;
      const check = await checker();
      if (!check || unusable.has(meta.id)) return;
      let found;
      try {
        found = check.check(meta.id, status, body);
      } catch (error) {
        unusable.add(meta.id);
        problem("the operation's response schema cannot be checked", error, meta.id);
        return;
      }
      if (!found) return;
      checked++;
      const fresh: DriftDifference[] = [];
      const here = new Set<DriftDifference>();
      for (const difference of found) {
        // Array positions are one place: `/items/0/x` and `/items/9/x` are the same drift.
        const key = `${meta.id} ${status} ${difference.pointer.replace(/\/\d+(?=\/|$)/g, "/*")} ${difference.keyword}`;
        const seen = byKey.get(key);
        if (seen) {
          if (!here.has(seen)) seen.count++;
          here.add(seen);
          continue;
        }
        const entry: DriftDifference = {
          operationId: meta.id,
          request: `${meta.method} ${meta.path}`,
          status,
          pointer: secrets.scrub(difference.pointer),
          keyword: difference.keyword,
          expected: secrets.scrub(difference.expected),
          got: summarise(difference, secrets),
          count: 1,
        };
        byKey.set(key, entry);
        differences.push(entry);
        fresh.push(entry);
        here.add(entry);
      }
      if (mode === "warn") {
        for (const d of fresh)
          log.warn(
            logfmt("warn", {
              event: "drift",
              portal,
              operation: d.operationId,
              status,
              pointer: d.pointer || "/",
              keyword: d.keyword,
              expected: d.expected,
              got: d.got,
            }),
          );
        return;
      }
      if (here.size === 0) return;
      const all = [...here].map((d) => ({ ...d }));
      const first = all[0]!;
      throw new ResponseValidationError(
        `${portal}: the response to ${meta.id} differs from the spec at ${first.pointer || "/"} ` +
          `(${first.keyword}: expected ${first.expected}, got ${first.got})` +
          (all.length > 1 ? ` and in ${all.length - 1} more place(s)` : ""),
        { ...context, status, differences: all },
      );
    },
  };
}

// A field whose name says secret: show its type and size, never its value.
const SECRET_NAME = /token|secret|password|passwd|key|session|sig|auth|cookie|credential/i;

/** A value as `type preview`: `string "Mus musculus"`, `number 42`, `object {3 keys}`, `missing`. */
function summarise(difference: SchemaDifference, secrets: SecretRegistry): string {
  const value = difference.got;
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `array [${value.length} items]`;
  if (typeof value === "object") return `object {${Object.keys(value).length} keys}`;
  const name = difference.pointer.slice(difference.pointer.lastIndexOf("/") + 1);
  if (typeof value === "string") {
    if (SECRET_NAME.test(name)) return `string (${value.length} chars)`;
    return `string ${JSON.stringify(secrets.scrub(redactSnippet(value, 40)))}`;
  }
  return `${typeof value} ${secrets.scrub(String(value))}`;
}
