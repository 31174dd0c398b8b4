import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { emitClient, emitOperations } from "../src/emit.js";
import { validateExtensions } from "../src/extensions/index.js";
import { generatePortal, modelOf } from "../src/generate.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "../..");
const mini = () => parse(readFileSync(join(here, "fixtures/mini.yaml"), "utf8"));

describe("validateExtensions", () => {
  it("accepts a spec that uses the extensions as documented", () => {
    expect(validateExtensions(mini())).toEqual([]);
  });

  it("rejects an unknown extension, with where it is", () => {
    const doc = mini();
    doc.paths["/things"].get["x-sciportals-retry"] = true;
    expect(validateExtensions(doc)).toEqual([
      "/paths/~1things/get/x-sciportals-retry: unknown extension x-sciportals-retry (see codegen/EXTENSIONS.md)",
    ]);
  });

  it("rejects a known extension in the wrong place", () => {
    const doc = mini();
    doc.components.schemas.Thing["x-sciportals-pagination"] = { style: "page" };
    expect(validateExtensions(doc)).toEqual([
      "/components/schemas/Thing/x-sciportals-pagination: x-sciportals-pagination is not allowed here",
    ]);
  });

  it("requires no extension at all: provenance is the spec lint's rule, not codegen's", () => {
    const doc = mini();
    delete doc["x-sciportals"];
    delete doc.paths["/things/{id}"].get["x-sciportals-provenance"];
    expect(validateExtensions(doc)).toEqual([]);
  });

  it("rejects a provenance that is not one of the three", () => {
    const doc = mini();
    doc.paths["/things/{id}"].get["x-sciportals-provenance"] = "rumour";
    expect(validateExtensions(doc)).toEqual([
      "/paths/~1things~1{id}/get/x-sciportals-provenance: must be seed, public or unverified",
    ]);
  });

  it("rejects pagination that names a missing parameter or response field", () => {
    const doc = mini();
    doc.paths["/things"].get["x-sciportals-pagination"] = {
      style: "page",
      items: "results",
      page: "p",
      size: "count",
      total: "count",
    };
    expect(validateExtensions(doc)).toEqual([
      '/paths/~1things/get/x-sciportals-pagination/page: no query parameter "p"',
      '/paths/~1things/get/x-sciportals-pagination/items: the success response has no field "results"',
    ]);
  });

  it("rejects unknown fields and bad values inside an extension", () => {
    const doc = mini();
    doc.components.securitySchemes.key["x-sciportals-credential"] = { option: 3, envVar: "X" };
    expect(validateExtensions(doc)).toEqual([
      "/components/securitySchemes/key/x-sciportals-credential/option: must be a string",
      '/components/securitySchemes/key/x-sciportals-credential: unknown field "envVar"',
    ]);
  });

  it("accepts x-sciportals-serialize on a parameter inside an operation", () => {
    const doc = mini();
    expect(doc.paths["/things"].get.parameters[2]["x-sciportals-serialize"]).toBe("braces");
    expect(validateExtensions(doc)).toEqual([]);
  });
});

describe("the model and the emitted code", () => {
  const model = modelOf(mini(), "mini", "codegen/test/fixtures/mini.yaml");

  it("takes the base URL from servers with variable defaults", () => {
    expect(model.baseUrl).toBe("https://app.mini.example/api");
  });

  it("carries parameter constraints, wire formats and security into the metadata", () => {
    const list = model.operations.find((o) => o.id === "listThings")!;
    expect(list.params).toEqual([
      { name: "page", in: "query", type: "integer", minimum: 1 },
      { name: "count", in: "query", type: "integer", minimum: 1, maximum: 100 },
      { name: "filter", in: "query", type: "object", serialize: "braces" },
      // OpenAPI's default for an object in the query (form, exploded): a parameter per key.
      { name: "attributes", in: "query", type: "object", serialize: "form" },
      { name: "deep", in: "query", type: "object" },
    ]);
    expect(list.security).toEqual([["key"]]);
    expect(list.inputRequired).toBe(false);
    expect(model.operations.find((o) => o.id === "getThing")!.inputRequired).toBe(true);
  });

  it("emits a function per operation and a client method per operation", () => {
    const operations = emitOperations(model);
    expect(operations).toContain(
      "export function getThing(client: MiniBase, input: GetThingInput): Promise<GetThingOutput>",
    );
    expect(operations).toContain("export function listThings(client: MiniBase, input?: ListThingsInput)");
    expect(operations).toContain(
      'export type ListThingsItem = NonNullable<NonNullable<ListThingsOutput>["things"]>[number];',
    );
    const client = emitClient(model);
    expect(client).toContain("export function createMiniClient(options: MiniClientOptions = {}): MiniClient");
    expect(client).toContain("  apiKey?: string | undefined;");
    expect(client).toContain(
      'schemes: { key: { header: "X-Key", prefix: "", option: "apiKey", env: "MINI_KEY" } }',
    );
  });

  it("carries the portal tool's token file (tokenFile) into the scheme's metadata", () => {
    const doc = mini();
    doc.components.securitySchemes.key["x-sciportals-credential"].tokenFile = "~/.config/mini/token";
    expect(validateExtensions(doc)).toEqual([]);
    const client = emitClient(modelOf(doc, "mini", "x.yaml"));
    expect(client).toContain('tokenFile: "~/.config/mini/token"');
    doc.components.securitySchemes.key["x-sciportals-credential"].tokenFile = 7;
    expect(validateExtensions(doc)).toEqual([
      "/components/securitySchemes/key/x-sciportals-credential/tokenFile: must be a string",
    ]);
  });

  it("escapes spec text that would break out of a doc comment", () => {
    const doc = mini();
    doc.paths["/things/{id}"].get.description = "Ends here */ and tags @internal";
    const code = emitOperations(modelOf(doc, "mini", "x.yaml"));
    expect(code).toContain("Ends here *\\/ and tags \\@internal");
  });
});

describe("generatePortal", () => {
  it("is deterministic: two runs give identical files", async () => {
    const api = { name: "stomics", spec: "specs/stomics/openapi.yaml", packageDir: "packages/stomics" };
    const first = await generatePortal(repoRoot, api);
    const second = await generatePortal(repoRoot, api);
    expect(second).toEqual(first);
    const schema = first.files.find((f) => f.path.endsWith("schema.gen.ts"))!;
    expect(
      schema.content.startsWith("// Generated by @sciportals/codegen from specs/stomics/openapi.yaml."),
    ).toBe(true);
  });
});
