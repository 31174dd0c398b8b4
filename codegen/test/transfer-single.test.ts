// `x-sciportals-transfer: { direction: upload, mode: single, field }`: checked, and the engine
// fills only the file's field in the generated UploadInput.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { emitOperations } from "../src/emit.js";
import { validateExtensions } from "../src/extensions/index.js";
import { modelOf } from "../src/generate.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The mini fixture with a multipart import whose file goes in `file`, the last part. */
function withImport(transfer: Record<string, unknown>) {
  const doc = parse(readFileSync(join(here, "fixtures/mini.yaml"), "utf8"));
  doc.paths["/imports"] = {
    post: {
      operationId: "importThing",
      "x-sciportals-transfer": transfer,
      requestBody: {
        required: true,
        content: {
          "multipart/form-data": {
            schema: {
              type: "object",
              required: ["study", "file"],
              properties: { study: { type: "string" }, file: { type: "string", format: "binary" } },
            },
          },
        },
      },
      responses: {
        "200": { description: "started", content: { "application/json": { schema: { type: "object" } } } },
      },
    },
  };
  return doc;
}

describe("single-request uploads", () => {
  it("are accepted, and UploadInput leaves only the file's field to the engine", () => {
    const doc = withImport({ direction: "upload", mode: "single", field: "file" });
    expect(validateExtensions(doc)).toEqual([]);
    const code = emitOperations(modelOf(doc, "mini", "codegen/test/fixtures/mini.yaml"));
    expect(code).toContain('export type ImportThingUploadInput = UploadInput<ImportThingInput, "file">;');
    expect(code).toContain("Upload: send a file in one request");
  });

  it("need the field, and take none of the chunked protocol's", () => {
    expect(validateExtensions(withImport({ direction: "upload", mode: "single" }))).toEqual([
      '/paths/~1imports/post/x-sciportals-transfer: "field" is required',
    ]);
    expect(
      validateExtensions(withImport({ direction: "upload", mode: "single", field: "file", chunkSize: 10 })),
    ).toEqual(['/paths/~1imports/post/x-sciportals-transfer: unknown field "chunkSize"']);
  });
});
