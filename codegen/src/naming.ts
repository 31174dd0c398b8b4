import type { PortalClient } from "../../packages/core/src/client.js";
import type { OperationSite } from "./spec/walk.js";

/** Members every client has; an operation method cannot take their names. */
const CLIENT_MEMBERS = [
  "auth",
  "paginate",
  "download",
  "downloadMany",
  "upload",
  "head",
  "waitFor",
  "title",
  "baseUrl",
  "use",
  "eject",
  "toJSON",
  "driftReport",
  "GET",
  "PUT",
  "POST",
  "DELETE",
  "OPTIONS",
  "HEAD",
  "PATCH",
  "TRACE",
] as const;
// Fails to compile when core's client gains a member this list does not know.
type Unlisted = Exclude<keyof PortalClient<{}, {}>, (typeof CLIENT_MEMBERS)[number]>;
const _everyMemberListed: [Unlisted] extends [never] ? true : Unlisted = true;
void _everyMemberListed;

/** Words that cannot name a standalone function (operations are also exported as functions). */
const JS_RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false " +
    "finally for function if import in instanceof new null return super switch this throw true try " +
    "typeof var void while with yield let static implements interface package private protected " +
    "public await arguments eval"
  ).split(" "),
);
const RESERVED = new Set<string>([...CLIENT_MEMBERS, ...JS_RESERVED]);

/** An operation's method name, and the spec's own id where it differs. */
export interface OperationName {
  name: string;
  /** The spec's operationId, when there is one. */
  operationId: string | undefined;
}

/** What naming changed, for the report a maintainer reads. */
export interface NamingReport {
  /** Ids that were not camelCase and were rewritten. */
  normalised: number;
  /** Operations without an operationId, named from method and path. */
  derived: number;
  /** Each collision or reserved name and how it was resolved. */
  notes: string[];
}

/** Splits an identifier into words: at separators and at camelCase and acronym boundaries. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `list_all-files.v2` -> `listAllFilesV2`; a camelCase id is returned unchanged. */
export function camelCase(text: string): string {
  if (/^[a-z][A-Za-z0-9]*$/.test(text)) return text;
  const [first = "", ...rest] = words(text);
  const head =
    first === first.toUpperCase() ? first.toLowerCase() : first.charAt(0).toLowerCase() + first.slice(1);
  const joined = head + rest.map(capital).join("");
  return /^[0-9]/.test(joined) ? `op${capital(joined)}` : joined;
}

/** `ga4gh-drs` -> `Ga4ghDrs`; a PascalCase name is returned unchanged. */
export function pascalCase(text: string): string {
  return capital(camelCase(text));
}

/** `GET /objects/{object_id}/access` -> `getObjectsByObjectIdAccess`. */
export function nameFromRoute(method: string, path: string): string {
  const parts = path
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? `By ${param[1]}` : segment;
    });
  return camelCase([method, ...parts].join(" "));
}

/**
 * Gives every operation a stable camelCase method name: the operationId normalised, or one derived
 * from method and path when there is none. Names that clash with a client member or a reserved word
 * get an `Operation` suffix; a name taken by an earlier operation (in document order) gets the
 * first free numeric suffix. Deterministic: the same document always gives the same names.
 */
export function nameOperations(sites: readonly OperationSite[]): {
  names: OperationName[];
  report: NamingReport;
} {
  const report: NamingReport = { normalised: 0, derived: 0, notes: [] };
  const taken = new Set<string>();
  const names = sites.map(({ op, method, path }) => {
    const id = typeof op.operationId === "string" && op.operationId.trim() ? op.operationId : undefined;
    const route = `${method.toUpperCase()} ${path}`;
    let name = id === undefined ? nameFromRoute(method, path) : camelCase(id);
    if (id === undefined) report.derived++;
    else if (name !== id) report.normalised++;
    if (!name) name = nameFromRoute(method, path);
    if (RESERVED.has(name)) {
      report.notes.push(`${route}: "${name}" is reserved; named ${name}Operation`);
      name = `${name}Operation`;
    }
    if (taken.has(name)) {
      let n = 2;
      while (taken.has(`${name}${n}`)) n++;
      report.notes.push(`${route}: "${name}" is taken by an earlier operation; named ${name}${n}`);
      name = `${name}${n}`;
    }
    taken.add(name);
    return { name, operationId: id };
  });
  return { names, report };
}
