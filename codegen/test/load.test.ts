import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generatePortal } from "../src/generate.js";
import { loadSpec } from "../src/spec/load.js";
import { operations } from "../src/spec/walk.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "../..");
const fixture = (name: string) => join(here, "fixtures", name);

async function scratch(name: string, text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), "codegen-load-")), name);
  await writeFile(file, text);
  return file;
}

describe("loadSpec", () => {
  it("bundles a multi-file 3.0 spec: every $ref local afterwards", async () => {
    const { document, version } = await loadSpec(fixture("multi/openapi.yaml"));
    expect(version).toBe("3.0");
    expect(JSON.stringify(document)).not.toMatch(/"\$ref":"(?!#)/);
    expect(Object.keys((document.components as { schemas: object }).schemas)).toEqual(["Sample"]);
  });

  it("applies an overlay after bundling, leaving the file on disk as it was", async () => {
    const { document, overlay } = await loadSpec(fixture("multi/openapi.yaml"), {
      overlay: fixture("multi/overlay.yaml"),
    });
    expect(overlay).toEqual({ file: fixture("multi/overlay.yaml"), actions: 2 });
    const [list, get] = [...operations(document)];
    expect(list!.op["x-sciportals-pagination"]).toMatchObject({ style: "offset", offset: "offset" });
    // Overlay 1.0: an update merges arrays by appending.
    expect((list!.op.parameters as { name: string }[]).map((p) => p.name)).toEqual(["limit", "offset"]);
    expect(get!.op["x-sciportals-provenance"]).toBe("public");
    const again = await loadSpec(fixture("multi/openapi.yaml"));
    expect([...operations(again.document)][0]!.op["x-sciportals-pagination"]).toBeUndefined();
  });

  it("refuses an overlay action that matches nothing: the upstream moved", async () => {
    const overlay = await scratch(
      "overlay.yaml",
      "overlay: 1.0.0\ninfo: { title: t, version: '1' }\nactions:\n  - target: $.paths['/gone'].get\n    update: { summary: x }\n",
    );
    await expect(loadSpec(fixture("multi/openapi.yaml"), { overlay })).rejects.toThrow(
      /1 action\(s\) matched nothing in the spec \(did the upstream change\?\):\n {2}\$\.paths\['\/gone'\]\.get/,
    );
  });

  it("refuses Swagger 2.0 with how to convert it", async () => {
    await expect(loadSpec(fixture("swagger2.yaml"))).rejects.toThrow(
      /Swagger 2\.0 is not supported; codegen reads OpenAPI 3\.0 and 3\.1\. .*swagger2openapi/,
    );
  });

  it("refuses other versions and documents that are not OpenAPI", async () => {
    await expect(loadSpec(await scratch("a.yaml", "openapi: 4.0.0\ninfo: {}\n"))).rejects.toThrow(
      "OpenAPI 4.0.0 is not supported; codegen reads 3.0.x and 3.1.x",
    );
    await expect(loadSpec(await scratch("b.yaml", "just: text\n"))).rejects.toThrow(
      "no `openapi` version field",
    );
    await expect(loadSpec(await scratch("c.yaml", "a: [\n"))).rejects.toThrow("not valid YAML or JSON");
  });

  it("names the $ref it cannot follow, and the file it sits in", async () => {
    const file = await scratch(
      "broken.yaml",
      "openapi: 3.1.0\ninfo: { title: t, version: '1' }\npaths:\n  /a:\n    get:\n      responses:\n        '200': { $ref: 'missing.yaml' }\n",
    );
    await expect(loadSpec(file)).rejects.toThrow(
      /cannot bundle the spec's external \$refs:\n.*missing\.yaml \(in .*broken\.yaml/,
    );
  });
});

describe("a spec without extensions", () => {
  it("generates a package with defaults from info, servers and securitySchemes", async () => {
    const out = await mkdtemp(join(tmpdir(), "codegen-out-"));
    const { model, files } = await generatePortal(repoRoot, {
      name: "multi-portal",
      spec: fixture("multi/openapi.yaml"),
      packageDir: out,
    });
    expect(model).toMatchObject({
      packageName: "@sciportals/multi-portal",
      name: "MultiPortal",
      title: "Multi Portal",
      baseUrl: "https://multi.example/api",
    });
    expect(model.schemes).toMatchObject([
      { name: "token", option: "token", env: "MULTI_PORTAL_TOKEN", prefix: "Bearer " },
    ]);
    const [list, get] = model.operations;
    expect(list).toMatchObject({ id: "listSamples", operationId: "list_samples", provenance: undefined });
    // 3.0's exclusiveMinimum: true with minimum 0 on an integer: at least 1.
    expect(list!.params).toEqual([{ name: "limit", in: "query", type: "integer", minimum: 1, maximum: 100 }]);
    expect(get).toMatchObject({ id: "getSamplesById", operationId: undefined });
    expect(model.notes).toEqual([
      "1 operationId(s) normalised to camelCase method names",
      "1 operation(s) without an operationId named from method and path",
    ]);
    const operationsFile = files.find((f) => f.path.endsWith("operations.gen.ts"))!.content;
    expect(operationsFile).toContain('operationId: "list_samples"');
    expect(operationsFile).toContain("`GET /samples` (operationId `list_samples`)");
    const schema = files.find((f) => f.path.endsWith("schema.gen.ts"))!.content;
    expect(schema).toContain("listSamples: {");
    expect(schema).toContain("name?: string | null;");
  });
});
