import { readFile } from "node:fs/promises";
import { bundle, createConfig, parseYaml, type Config } from "@redocly/openapi-core";
import { parse } from "yaml";
import { isObject, type Json, type JsonObject } from "./json.js";
import { applyOverlay } from "./overlay.js";
import { pointer } from "./refs.js";

/** A spec ready for codegen: one document, every `$ref` local, any overlay applied. */
export interface LoadedSpec {
  /** The spec's path as given, for headers and messages. */
  file: string;
  document: JsonObject;
  /** `3.0` or `3.1`: what the document declares. */
  version: "3.0" | "3.1";
  /** The overlay applied, if any, and how many actions it had. */
  overlay?: { file: string; actions: number };
  /** The Redocly config used to bundle, for openapi-typescript to reuse. */
  redocly: Config;
}

export interface LoadOptions {
  /** An OpenAPI Overlay 1.0 file applied after bundling. */
  overlay?: string | undefined;
}

/** Why a document cannot be generated from, in words a user can act on. */
export class SpecError extends Error {
  override name = "SpecError";
}

let config: Promise<Config> | undefined;
/** Redocly's minimal ruleset: bundling only needs the resolver, and openapi-typescript lints with it. */
const redoclyConfig = () => (config ??= createConfig({}, { extends: ["minimal"] }));

/**
 * Reads an OpenAPI 3.0 or 3.1 document (YAML or JSON). A multi-file spec is bundled by
 * @redocly/openapi-core (the bundler openapi-typescript uses), so that every `$ref` is local;
 * then the overlay, if any, is applied. Swagger 2.0 and other versions are refused with how to
 * convert them.
 */
export async function loadSpec(path: string, options: LoadOptions = {}): Promise<LoadedSpec> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new SpecError(`${path}: cannot read the spec (${error.code ?? error.message})`);
  });
  let document: unknown;
  try {
    // Redocly's parser (js-yaml, JSON schema, no timestamps): what bundling and openapi-typescript
    // read too, and several times faster than the yaml package on a large spec.
    document = parseYaml(text);
  } catch (error) {
    throw new SpecError(`${path}: not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  const version = openapiVersion(path, document);
  const redocly = await redoclyConfig();
  let bundled = document as JsonObject;
  if (hasExternalRef(bundled)) bundled = await bundleFile(path, redocly);
  const loaded: LoadedSpec = { file: path, document: bundled, version, redocly };
  if (options.overlay) {
    const { document: applied, actions } = await applyOverlay(bundled, options.overlay);
    loaded.document = applied;
    loaded.overlay = { file: options.overlay, actions };
  }
  return loaded;
}

function openapiVersion(path: string, document: unknown): LoadedSpec["version"] {
  if (!isObject(document)) throw new SpecError(`${path}: not an OpenAPI document (no top-level object)`);
  if (typeof document.swagger === "string")
    throw new SpecError(
      `${path}: Swagger ${document.swagger} is not supported; codegen reads OpenAPI 3.0 and 3.1. ` +
        `Convert it once and keep the result as the spec: ` +
        `\`npx swagger2openapi@7.0.8 --patch ${path} -o openapi.yaml\`, or Swagger Editor's "Convert to OpenAPI 3".`,
    );
  const declared = document.openapi;
  if (typeof declared !== "string")
    throw new SpecError(`${path}: not an OpenAPI document (no \`openapi\` version field)`);
  const match = /^3\.([01])\.\d+/.exec(declared);
  if (!match)
    throw new SpecError(`${path}: OpenAPI ${declared} is not supported; codegen reads 3.0.x and 3.1.x`);
  return match[1] === "0" ? "3.0" : "3.1";
}

/** True when some `$ref` points outside the document: another file or a URL. */
function hasExternalRef(node: Json): boolean {
  if (Array.isArray(node)) return node.some(hasExternalRef);
  if (!isObject(node)) return false;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && !value.startsWith("#")) return true;
    if (typeof value === "object" && value !== null && hasExternalRef(value)) return true;
  }
  return false;
}

async function bundleFile(path: string, redocly: Config): Promise<JsonObject> {
  const result = await bundle({ ref: path, config: redocly, dereference: false });
  const errors = result.problems.filter((p) => p.severity === "error");
  if (errors.length === 0) return result.bundle.parsed as JsonObject;
  const refs: string[] = [];
  const lines = errors.map((problem) => {
    const where = problem.location[0];
    if (!where) return `  ${problem.message}`;
    const ref = refAt(where.source.body, where.pointer);
    if (ref) refs.push(ref);
    return `  ${problem.message}: ${ref ?? "?"} (in ${where.source.absoluteRef}${where.pointer ? `, at ${where.pointer.replace(/^#/, "")}` : ""})`;
  });
  const remote = refs.some((ref) => /^https?:\/\//.test(ref));
  throw new SpecError(
    `${path}: cannot bundle the spec's external $refs:\n${lines.join("\n")}` +
      (remote
        ? "\nA $ref to a URL is fetched when the spec is bundled: run where that URL is reachable, or vendor the file next to the spec and point the $ref at the copy."
        : ""),
  );
}

/** The `$ref` string at a JSON pointer of a file's text, for messages. */
function refAt(body: string, at: string | undefined): string | undefined {
  try {
    const node = pointer(parse(body) as JsonObject, at?.startsWith("#") ? at : `#${at ?? ""}`);
    return isObject(node) && typeof node.$ref === "string" ? node.$ref : undefined;
  } catch {
    return undefined;
  }
}
