import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { highestBump } from "../src/changes.js";
import type { JsonObject } from "@sciportals/codegen/spec";
import { diffSpecs } from "../src/spec-diff.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): JsonObject =>
  parse(readFileSync(join(here, "fixtures", `${name}.yaml`), "utf8"));

/** base.yaml, changed in place by `edit` (for the rules the three fixtures do not cover). */
function edited(edit: (doc: any) => void): JsonObject {
  const doc = fixture("base");
  edit(doc);
  return doc;
}

const DATASET_USERS = ["GET /api/v1/datasets", "POST /api/v1/datasets", "GET /api/v1/datasets/{accession}"];

describe("diffSpecs on the fixtures", () => {
  it("finds nothing between a spec and itself", () => {
    expect(diffSpecs(fixture("base"), fixture("base"))).toEqual([]);
  });

  it("classifies descriptions, summaries, examples, tags and provenance as patch", () => {
    const changes = diffSpecs(fixture("base"), fixture("patch"));
    expect(changes).toEqual([
      { kind: "documentation-changed", location: "spec", bump: "patch", detail: "tags" },
      { kind: "documentation-changed", location: "GET /api/v1/datasets", bump: "patch", detail: "tags" },
      {
        kind: "documentation-changed",
        location: 'GET /api/v1/datasets query parameter "q"',
        bump: "patch",
        detail: "description",
      },
      {
        kind: "documentation-changed",
        location: "GET /api/v1/datasets response 200",
        bump: "patch",
        detail: "example",
      },
      {
        kind: "documentation-changed",
        location: 'response schema "Dataset" field "title"',
        bump: "patch",
        detail: "description",
        usedBy: DATASET_USERS,
      },
      {
        kind: "documentation-changed",
        location: "POST /api/v1/datasets",
        bump: "patch",
        detail: "provenance",
      },
      {
        kind: "documentation-changed",
        location: "GET /api/v1/datasets/{accession}",
        bump: "patch",
        detail: "summary",
      },
    ]);
    expect(highestBump(changes)).toBe("patch");
  });

  it("classifies additions as minor, a response enum value added included", () => {
    const changes = diffSpecs(fixture("base"), fixture("minor"));
    expect(changes).toEqual([
      { kind: "schema-added", location: 'schema "DatasetFile"', bump: "minor" },
      {
        kind: "enum-value-added",
        location: 'GET /api/v1/datasets query parameter "sort_order"',
        bump: "minor",
        detail: '"random"',
      },
      {
        kind: "documentation-changed",
        location: 'GET /api/v1/datasets query parameter "per_page"',
        bump: "patch",
        detail: "description",
      },
      {
        kind: "parameter-added",
        location: 'GET /api/v1/datasets query parameter "technology"',
        bump: "minor",
      },
      {
        kind: "enum-value-added",
        location: 'response schema "Dataset" field "status"',
        bump: "minor",
        detail: '"archived"',
        usedBy: DATASET_USERS,
      },
      {
        kind: "field-added",
        location: 'response schema "Dataset" field "download_count"',
        bump: "minor",
        usedBy: DATASET_USERS,
      },
      {
        kind: "field-added",
        location: 'request schema "DatasetInput" field "description"',
        bump: "minor",
        usedBy: ["POST /api/v1/datasets"],
      },
      {
        kind: "security-alternative-added",
        location: "GET /api/v1/datasets/{accession}",
        bump: "minor",
        detail: '"jwt"',
      },
      {
        kind: "operation-added",
        location: "GET /api/v1/datasets/{accession}/files",
        bump: "minor",
        detail: '"listDatasetFiles"',
      },
      {
        kind: "capability-added",
        location: "GET /api/v1/status",
        bump: "minor",
        detail: "waitFor() support",
      },
    ]);
    expect(highestBump(changes)).toBe("minor");
  });

  it("classifies removals, new requirements and narrowing as major", () => {
    const changes = diffSpecs(fixture("base"), fixture("major"));
    expect(changes).toEqual([
      {
        kind: "operation-removed",
        location: "DELETE /api/v1/datasets/{accession}",
        bump: "major",
        detail: '"deleteDataset"',
      },
      // A path change is the old operation removed and a new one added.
      {
        kind: "operation-removed",
        location: "GET /api/v1/datasets/{accession}/download",
        bump: "major",
        detail: '"getDownloadUrl"',
      },
      {
        kind: "capability-removed",
        location: "GET /api/v1/datasets",
        bump: "major",
        detail: "paginate() support",
      },
      { kind: "parameter-removed", location: 'GET /api/v1/datasets query parameter "q"', bump: "major" },
      {
        kind: "parameter-required",
        location: 'GET /api/v1/datasets query parameter "per_page"',
        bump: "major",
      },
      {
        kind: "constraint-tightened",
        location: 'GET /api/v1/datasets query parameter "per_page"',
        bump: "major",
        detail: "maximum 100 → 50",
      },
      {
        kind: "field-optional",
        location: 'response schema "Dataset" field "title"',
        bump: "major",
        usedBy: DATASET_USERS,
      },
      {
        kind: "field-removed",
        location: 'response schema "Dataset" field "species"',
        bump: "major",
        usedBy: DATASET_USERS,
      },
      // Code that still compares with the removed literal no longer compiles.
      {
        kind: "enum-value-removed",
        location: 'response schema "Dataset" field "status"',
        bump: "major",
        detail: '"draft"',
        usedBy: DATASET_USERS,
      },
      {
        kind: "enum-value-removed",
        location: 'request schema "DatasetInput" field "visibility"',
        bump: "major",
        detail: '"private"',
        usedBy: ["POST /api/v1/datasets"],
      },
      {
        kind: "required-field-added",
        location: 'request schema "DatasetInput" field "license"',
        bump: "major",
        usedBy: ["POST /api/v1/datasets"],
      },
      {
        kind: "operation-added",
        location: "GET /api/v1/datasets/{accession}/download-url",
        bump: "minor",
        detail: '"getDownloadUrl"',
      },
      { kind: "security-required", location: "GET /api/v1/status", bump: "major", detail: '"apiKey"' },
    ]);
    expect(highestBump(changes)).toBe("major");
  });

  it("calls a spec with no base a new package", () => {
    expect(diffSpecs(undefined, fixture("base"))).toEqual([
      { kind: "package-added", location: "@sciportals/demo", bump: "minor" },
    ]);
  });
});

describe("diffSpecs rules", () => {
  it("classifies one change to a schema used both ways once per direction", () => {
    const before = edited((doc) => {
      // Dataset is now also the request body of createDataset.
      doc.paths["/api/v1/datasets"].post.requestBody.content["application/json"].schema = {
        $ref: "#/components/schemas/Dataset",
      };
    });
    const after = edited((doc) => {
      doc.paths["/api/v1/datasets"].post.requestBody.content["application/json"].schema = {
        $ref: "#/components/schemas/Dataset",
      };
      doc.components.schemas.Dataset.required.push("species");
      doc.components.schemas.DatasetInput = undefined;
      delete doc.components.schemas.DatasetInput;
    });
    expect(diffSpecs(before, after)).toEqual([
      { kind: "schema-removed", location: 'schema "DatasetInput"', bump: "major" },
      {
        kind: "field-required",
        location: 'response schema "Dataset" field "species"',
        bump: "minor",
        usedBy: DATASET_USERS,
      },
      {
        kind: "field-required",
        location: 'request schema "Dataset" field "species"',
        bump: "major",
        usedBy: ["POST /api/v1/datasets"],
      },
    ]);
  });

  it("reads nullability both ways: a response that may be null breaks readers, a request that accepts null does not", () => {
    const after = edited((doc) => {
      doc.components.schemas.Dataset.properties.accession = { type: ["string", "null"] };
      doc.components.schemas.DatasetInput.properties.title = {
        anyOf: [{ type: "string" }, { type: "null" }],
      };
    });
    expect(diffSpecs(fixture("base"), after)).toEqual([
      {
        kind: "type-widened",
        location: 'response schema "Dataset" field "accession"',
        bump: "major",
        detail: "string → string | null",
        usedBy: DATASET_USERS,
      },
      {
        kind: "type-widened",
        location: 'request schema "DatasetInput" field "title"',
        bump: "minor",
        detail: "now nullable",
        usedBy: ["POST /api/v1/datasets"],
      },
    ]);
  });

  it("treats a changed type as major and a narrowed request type as major", () => {
    const after = edited((doc) => {
      doc.paths["/api/v1/datasets"].get.parameters[0].schema = { type: "integer" };
      doc.components.schemas.DatasetInput.properties.species = { type: "string", maxLength: 64 };
    });
    expect(diffSpecs(fixture("base"), after)).toEqual([
      {
        kind: "type-changed",
        location: 'GET /api/v1/datasets query parameter "q"',
        bump: "major",
        detail: "string → integer",
      },
      {
        kind: "constraint-tightened",
        location: 'request schema "DatasetInput" field "species"',
        bump: "major",
        detail: "maxLength none → 64",
        usedBy: ["POST /api/v1/datasets"],
      },
    ]);
  });

  it("treats a renamed operationId, a removed security alternative and a renamed client option as major", () => {
    const before = edited((doc) => {
      doc.paths["/api/v1/datasets/{accession}"].get.security = [{ apiKey: [] }, { jwt: [] }];
    });
    const after = edited((doc) => {
      doc.paths["/api/v1/datasets/{accession}"].get.operationId = "fetchDataset";
      doc.components.securitySchemes.apiKey["x-sciportals-credential"].option = "token";
    });
    expect(diffSpecs(before, after)).toEqual([
      {
        kind: "credential-changed",
        location: 'security scheme "apiKey"',
        bump: "major",
        detail: 'client option "apiKey" → "token"',
      },
      {
        kind: "operation-renamed",
        location: "GET /api/v1/datasets/{accession}",
        bump: "major",
        detail: '"getDataset" → "fetchDataset"',
      },
      {
        kind: "security-alternative-removed",
        location: "GET /api/v1/datasets/{accession}",
        bump: "major",
        detail: '"jwt"',
      },
    ]);
  });

  it("makes a documented error response a patch and another success shape a major", () => {
    const after = edited((doc) => {
      const get = doc.paths["/api/v1/datasets/{accession}"].get;
      get.responses["404"] = { description: "No such dataset." };
      get.responses["202"] = { description: "Still being prepared." };
    });
    expect(diffSpecs(fixture("base"), after)).toEqual([
      {
        kind: "response-added",
        location: "GET /api/v1/datasets/{accession} response 202",
        bump: "major",
        detail: "the result can now have another shape",
      },
      { kind: "response-added", location: "GET /api/v1/datasets/{accession} response 404", bump: "patch" },
    ]);
  });

  it("makes a 206 with the same content as the 200 a minor (ranged downloads)", () => {
    const after = edited((doc) => {
      const get = doc.paths["/api/v1/datasets/{accession}"].get;
      get.responses["206"] = { ...get.responses["200"], description: "Part of the dataset." };
    });
    expect(diffSpecs(fixture("base"), after)).toEqual([
      {
        kind: "response-added",
        location: "GET /api/v1/datasets/{accession} response 206",
        bump: "minor",
        detail: "same content as before",
      },
    ]);
  });

  it("ignores a field the server fills (readOnly) in requests", () => {
    const after = edited((doc) => {
      const input = doc.components.schemas.DatasetInput;
      input.properties.created = { type: "string", readOnly: true };
      input.required.push("created");
    });
    expect(diffSpecs(fixture("base"), after)).toEqual([]);
  });

  it("follows a recursive schema without looping and reports its change once", () => {
    const tree = (extra: object) => ({
      type: "object",
      properties: {
        name: { type: "string" },
        children: { type: "array", items: { $ref: "#/components/schemas/Node" } },
        ...extra,
      },
    });
    const withTree = (extra: object) =>
      edited((doc) => {
        doc.components.schemas.Node = tree(extra);
        doc.components.schemas.Dataset.properties.tree = { $ref: "#/components/schemas/Node" };
      });
    expect(diffSpecs(withTree({}), withTree({ size: { type: "integer" } }))).toEqual([
      {
        kind: "field-added",
        location: 'response schema "Node" field "size"',
        bump: "minor",
        usedBy: DATASET_USERS,
      },
    ]);
  });

  it("treats an operation's own changes to retries and serialization as patch", () => {
    const after = edited((doc) => {
      const get = doc.paths["/api/v1/datasets"].get;
      get["x-sciportals-idempotent"] = false;
      get.parameters[1].explode = false;
    });
    expect(diffSpecs(fixture("base"), after)).toEqual([
      {
        kind: "retry-changed",
        location: "GET /api/v1/datasets",
        bump: "patch",
        detail: "idempotent unset → false",
      },
      {
        kind: "serialization-changed",
        location: 'GET /api/v1/datasets query parameter "sort_order"',
        bump: "patch",
        detail: "explode",
      },
    ]);
  });
});
