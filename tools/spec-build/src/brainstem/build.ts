/**
 * Builds specs/brainstem/openapi.yaml from the model table in `models.ts`. BrainSTEM publishes no
 * OpenAPI document of its own, so the table is the source.
 *
 * Deterministic: no clock, no randomness, insertion-ordered keys; two runs give the same bytes.
 * @module
 */
import type { JsonObject } from "@sciportals/codegen/spec";
import { stringify } from "yaml";
import { authPaths, authSchemas, securitySchemes } from "./auth.js";
import { sharedParameters, sharedResponses, sharedSchemas } from "./components.js";
import { expandModels } from "./expand.js";
import { APPS } from "./models.js";
import { PRIVATE_SECURITY } from "./oas.js";
import { addModelPaths, PathTable } from "./paths.js";
import { filterSchema, includeSchema, modelQueryParams, sortSchema } from "./query.js";
import { detailSchema, listSchema, recordSchema, writeResultSchema, writeSchema } from "./schemas.js";
import type { Model } from "./types.js";

/** The spec file the builder writes, relative to the repository root. */
export const BRAINSTEM_SPEC_PATH = "specs/brainstem/openapi.yaml";

/** What one build produces. */
export interface BrainstemBuild {
  /** The OpenAPI 3.1 document. */
  doc: JsonObject;
  /** The models it describes, approval queues included. */
  models: Model[];
  /** How many operations it has. */
  operationCount: number;
}

/** The component schemas of one model, in the order the spec lists them. */
function modelSchemas(m: Model): JsonObject {
  const schemas: JsonObject = { [m.name]: recordSchema(m) };
  if (m.kind === "crud") {
    schemas[`${m.name}Input`] = writeSchema(m, "input"); // POST and PUT (PUT exists without POST for users)
    schemas[`${m.name}Patch`] = writeSchema(m, "patch");
  }
  schemas[`${m.name}List`] = listSchema(m);
  schemas[`${m.name}Detail`] = detailSchema(m);
  if (m.approval) schemas[`${m.name}WriteResult`] = writeResultSchema(m, m.approval);
  schemas[`${m.name}Filter`] = filterSchema(m);
  schemas[`${m.name}SortField`] = sortSchema(m);
  const include = includeSchema(m);
  if (include) schemas[`${m.name}Include`] = include;
  return schemas;
}

const DESCRIPTION = [
  "Curated description of the BrainSTEM REST API for the sciportals client generator.",
  "",
  "- URLs: `/api/{portal}/{app}/{model}/` and `/api/{portal}/{app}/{model}/{id}/`, always with a trailing slash. " +
    "The private portal needs a token; the public portal serves data its owners made public, read-only and without credentials; " +
    "the `super` portal (named only by the Python client) is modelled read-only and unverified.",
  "- Lists answer `{ <plural>: [...], count?, next?, previous?, meta? }`; records come back as `{ <singular>: {...} }` (keys per model, as documented).",
  "- Query: `filter{field.op}=value`, repeated `sort[]=` and `include[]=`, `limit` (max 100) and `offset`.",
  "- Auth: a personal access token as `Authorization: Bearer` (create one at https://www.brainstem.org/private/users/tokens/ or with the device flow). " +
    "There is no password login: BrainSTEM enforces 2FA, so the password is never sent to a script (docs/api.md since commit 9e93dec).",
  "",
  "Provenance of each operation is in `x-sciportals-provenance`; specs/brainstem/PROVENANCE.md lists the sources and the guesses.",
].join("\n");

/** Builds the BrainSTEM document in memory. */
export function buildBrainstemSpec(): BrainstemBuild {
  const models = expandModels();
  const schemas: JsonObject = {};
  const parameters = sharedParameters();
  const table = new PathTable();
  for (const m of models) {
    Object.assign(schemas, modelSchemas(m));
    Object.assign(parameters, modelQueryParams(m));
    addModelPaths(table, m);
  }
  for (const [path, item] of Object.entries(authPaths())) table.add(path, item);

  // The log entry actions send shared schemas: make sure each log names one that exists.
  const shared = { ...sharedSchemas(), ...authSchemas() };
  for (const m of models)
    if (m.entry && !shared[m.entry]) throw new Error(`${m.model}: no schema ${m.entry}`);

  const doc: JsonObject = {
    openapi: "3.1.0",
    info: {
      title: "BrainSTEM API",
      version: "1.0.0",
      summary: "REST API of BrainSTEM, the neuroscience metadata platform (brainstem.org).",
      description: DESCRIPTION,
    },
    servers: [{ url: "https://www.brainstem.org", description: "BrainSTEM" }],
    security: PRIVATE_SECURITY,
    tags: [
      ...APPS.map((a) => ({ name: a.name, description: a.description })),
      {
        name: "auth",
        description:
          "The device authorization flow, which issues personal access tokens (2FA-safe: no password).",
      },
    ],
    paths: table.paths,
    components: {
      securitySchemes: securitySchemes(),
      parameters,
      responses: sharedResponses(),
      schemas: { ...shared, ...schemas },
    },
    "x-sciportals": {
      package: "@sciportals/brainstem",
      name: "Brainstem",
      title: "BrainSTEM",
      baseUrlEnv: "BRAINSTEM_BASE_URL",
    },
  };
  return { doc, models, operationCount: table.operationCount };
}

const HEADER = [
  "# GENERATED by tools/spec-build/src/brainstem/ from its model table (models.ts). Do not edit by hand:",
  "# change the table or the builder and run `npm run spec:build`.",
  "",
].join("\n");

/** The text of specs/brainstem/openapi.yaml: the generated header and the document as YAML. */
export function renderBrainstemSpec(doc: JsonObject = buildBrainstemSpec().doc): string {
  // lineWidth 0: no folding, so a changed description is a one-line diff.
  return HEADER + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
