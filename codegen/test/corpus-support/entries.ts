import { baseUrl as B } from "./client.js";
import { bytes, empty, json, text } from "./stub-fetch.js";

/** One call through the generated client, and what must reach the stub and come back. */
export interface Call {
  /** "METHOD /path" as in the spec: the test finds the method name from the client's metadata. */
  operation: string;
  /** The method name, where only one camelCase reading of the operationId makes sense. */
  name?: string;
  input?: Record<string, unknown>;
  respond: () => Response;
  url: string;
  /** The JSON body that must be sent. */
  json?: unknown;
  /** For a multipart body: its content type and pieces it must contain. */
  multipart?: string[];
  /** A header that must be sent with this value, or (null) not at all. */
  header?: [string, string | null];
  returns: unknown;
  /** Compare the result as bytes (binary responses). */
  binary?: boolean;
}

export interface Entry {
  /** Package name: the factory is create<Pascal>Client. */
  name: string;
  /** Relative to the repository. */
  spec: string;
  calls: Call[];
}

const drs: Entry = {
  name: "ga4gh-drs",
  spec: "codegen/test/corpus/ga4gh-drs/openapi/data_repository_service.openapi.yaml",
  calls: [
    {
      operation: "GET /objects/{object_id}",
      input: { path: { object_id: "obj 1" } },
      respond: () => json({ id: "obj 1", self_uri: "drs://x/obj1" }),
      url: `${B}/objects/obj%201`,
      returns: { id: "obj 1", self_uri: "drs://x/obj1" },
    },
    {
      operation: "GET /objects/{object_id}",
      input: { path: { object_id: "obj1" }, query: { expand: true } },
      respond: () => json({ id: "obj1" }),
      url: `${B}/objects/obj1?expand=true`,
      returns: { id: "obj1" },
    },
    {
      operation: "POST /objects",
      input: { body: { bulk_object_ids: ["a", "b"] } },
      respond: () => json({ summary: { requested: 2 } }),
      url: `${B}/objects`,
      json: { bulk_object_ids: ["a", "b"] },
      header: ["authorization", "Bearer corpus-token"],
      returns: { summary: { requested: 2 } },
    },
  ],
};

const wes: Entry = {
  name: "ga4gh-wes",
  spec: "codegen/test/corpus/ga4gh-wes/openapi/workflow_execution_service.openapi.yaml",
  calls: [
    {
      operation: "GET /runs/{run_id}",
      input: { path: { run_id: "r1" } },
      respond: () => json({ run_id: "r1", state: "RUNNING" }),
      url: `${B}/runs/r1`,
      returns: { run_id: "r1", state: "RUNNING" },
    },
    {
      operation: "GET /runs",
      input: { query: { page_size: 2, page_token: "t" } },
      respond: () => json({ runs: [], next_page_token: "" }),
      url: `${B}/runs?page_size=2&page_token=t`,
      returns: { runs: [], next_page_token: "" },
    },
    {
      // WES has no JSON body: its one POST with a body is multipart.
      operation: "POST /runs",
      input: {
        body: {
          workflow_url: "main.cwl",
          workflow_type: "CWL",
          workflow_type_version: "v1.2",
          workflow_attachment: [new Blob(["cwlVersion: v1.2"])],
        },
      },
      respond: () => json({ run_id: "r2" }),
      url: `${B}/runs`,
      multipart: ['name="workflow_url"', "main.cwl", 'name="workflow_attachment"', "cwlVersion: v1.2"],
      returns: { run_id: "r2" },
    },
  ],
};

const ncbi: Entry = {
  name: "ncbi-datasets",
  spec: "codegen/test/corpus/ncbi-datasets/datasets.openapi.yaml",
  calls: [
    {
      // An array in the path: simple style, comma-separated.
      operation: "GET /genome/accession/{accessions}/dataset_report",
      input: { path: { accessions: ["GCF_000001405.40", "GCF_000001635.27"] } },
      respond: () => json({ reports: [], total_count: 0 }),
      url: `${B}/genome/accession/GCF_000001405.40,GCF_000001635.27/dataset_report`,
      header: ["api-key", "corpus-key"],
      returns: { reports: [], total_count: 0 },
    },
    {
      operation: "GET /genome/accession/{accessions}/dataset_report",
      input: { path: { accessions: ["GCF_000001405.40"] }, query: { "filters.reference_only": true } },
      respond: () => json({ reports: [] }),
      url: `${B}/genome/accession/GCF_000001405.40/dataset_report?filters.reference_only=true`,
      returns: { reports: [] },
    },
    {
      operation: "POST /genome/dataset_report",
      input: { body: { accessions: ["GCF_000001405.40"] } },
      respond: () => json({ reports: [{ accession: "GCF_000001405.40" }] }),
      url: `${B}/genome/dataset_report`,
      json: { accessions: ["GCF_000001405.40"] },
      returns: { reports: [{ accession: "GCF_000001405.40" }] },
    },
  ],
};

const odm: Entry = {
  name: "odm-upstream",
  spec: "specs/genestack-odm/upstream/odmApi.yaml",
  calls: [
    {
      operation: "GET /api/v1/as-user/expressions/{id}",
      input: { path: { id: "GSF000001" } },
      respond: () => json({ itemId: "GSF000001", metadata: {} }),
      url: `${B}/api/v1/as-user/expressions/GSF000001`,
      returns: { itemId: "GSF000001", metadata: {} },
    },
    {
      operation: "GET /api/v1/as-user/expressions",
      input: { query: { filter: '"Normalization Method"=TPM', pageLimit: 10 } },
      respond: () => json({ data: [], cursor: "c1" }),
      url: `${B}/api/v1/as-user/expressions?filter=%22Normalization%20Method%22%3DTPM&pageLimit=10`,
      returns: { data: [], cursor: "c1" },
    },
    {
      operation: "POST /api/v1/as-curator/integration/fulltext/search/studies",
      input: {
        body: { filters: [{ type: "FULL_TEXT", match: "pbmc", mode: "STRICT" }], page: { limit: 5 } },
      },
      respond: () => json({ data: [] }),
      url: `${B}/api/v1/as-curator/integration/fulltext/search/studies`,
      json: { filters: [{ type: "FULL_TEXT", match: "pbmc", mode: "STRICT" }], page: { limit: 5 } },
      returns: { data: [] },
    },
  ],
};

const openai: Entry = {
  name: "openai",
  spec: "codegen/test/corpus/openai/openapi.yaml",
  calls: [
    {
      operation: "GET /models/{model}",
      input: { path: { model: "gpt-4o" } },
      respond: () => json({ id: "gpt-4o", object: "model" }),
      url: `${B}/models/gpt-4o`,
      header: ["authorization", "Bearer corpus-token"],
      returns: { id: "gpt-4o", object: "model" },
    },
    {
      operation: "GET /files",
      input: { query: { purpose: "batch", limit: 2, order: "asc" } },
      respond: () => json({ object: "list", data: [] }),
      url: `${B}/files?purpose=batch&limit=2&order=asc`,
      returns: { object: "list", data: [] },
    },
    {
      operation: "POST /embeddings",
      input: { body: { model: "text-embedding-3-small", input: "hello" } },
      respond: () => json({ object: "list", data: [] }),
      url: `${B}/embeddings`,
      json: { model: "text-embedding-3-small", input: "hello" },
      returns: { object: "list", data: [] },
    },
  ],
};

const file = { id: "f1", kind: "data", name: "a.csv", rows: 3 };
const shapes: Entry = {
  name: "shapes",
  spec: "codegen/test/corpus/shapes/openapi.yaml",
  calls: [
    {
      operation: "GET /files/{fileId}",
      input: { path: { fileId: "f1" } },
      respond: () => json(file),
      url: `${B}/files/f1`,
      header: ["authorization", "Bearer corpus-token"],
      returns: file,
    },
    {
      operation: "GET /files/{fileId}/metadata",
      input: { path: { fileId: "f1" } },
      respond: () => json({ source: "lab" }),
      url: `${B}/files/f1/metadata`,
      returns: { source: "lab" },
    },
    {
      operation: "GET /files",
      name: "filesList",
      input: { query: { tags: ["a", "b"], limit: 5, owner: "ada" } },
      respond: () => json({ items: [file], next: null }),
      url: `${B}/files?tags=a&tags=b&limit=5&owner=ada`,
      returns: { items: [file], next: null },
    },
    {
      operation: "POST /files",
      name: "createFile",
      input: { body: { name: "a.csv", kind: "data" } },
      respond: () => json(file, 201),
      url: `${B}/files`,
      json: { name: "a.csv", kind: "data" },
      returns: file,
    },
    {
      operation: "DELETE /files/{fileId}",
      name: "deleteFile",
      input: { path: { fileId: "f1" } },
      respond: () => empty(204),
      url: `${B}/files/f1`,
      returns: undefined,
    },
    {
      operation: "GET /files/{fileId}/content",
      input: { path: { fileId: "f1" } },
      respond: () => bytes(new Uint8Array([0, 1, 2, 255])),
      url: `${B}/files/f1/content`,
      binary: true,
      returns: [0, 1, 2, 255],
    },
    {
      operation: "PUT /files/{fileId}/content",
      name: "uploadFile",
      input: { path: { fileId: "f1" }, body: { file: new Blob(["new bytes"]), comment: "v2" } },
      respond: () => json(file),
      url: `${B}/files/f1/content`,
      multipart: ['name="file"', "new bytes", 'name="comment"', "v2"],
      returns: file,
    },
    {
      operation: "GET /files/{fileId}/preview",
      input: { path: { fileId: "f1" } },
      respond: () => text("line 1\nline 2\n", "text/plain; charset=utf-8"),
      url: `${B}/files/f1/preview`,
      returns: "line 1\nline 2\n",
    },
    {
      operation: "GET /reports/export",
      name: "exportReport",
      respond: () => text("id,name\nf1,a.csv\n", "text/csv"),
      url: `${B}/reports/export`,
      returns: "id,name\nf1,a.csv\n",
    },
    {
      operation: "GET /reports/summary",
      respond: () => json({ files: 1, bytes: 3 }),
      url: `${B}/reports/summary`,
      returns: { files: 1, bytes: 3 },
    },
    {
      operation: "GET /ping",
      name: "ping",
      respond: () => json({ status: "ok" }),
      url: `${B}/ping`,
      header: ["authorization", null],
      returns: { status: "ok" },
    },
    {
      operation: "POST /jobs/{jobId}/cancel",
      name: "cancelJob",
      input: { path: { jobId: "j1" } },
      respond: () => empty(202),
      url: `${B}/jobs/j1/cancel`,
      returns: undefined,
    },
    {
      operation: "GET /folders/{folderId}/tree",
      name: "getFolderTree",
      input: { path: { folderId: 7 } },
      respond: () => json({ id: 7, name: "root", children: [{ id: 8, name: "sub", children: [] }] }),
      url: `${B}/folders/7/tree`,
      returns: { id: 7, name: "root", children: [{ id: 8, name: "sub", children: [] }] },
    },
  ],
};

// The 3.1 twin: the same operations, so the same calls.
const shapes31: Entry = { ...shapes, name: "shapes-31", spec: "codegen/test/corpus/shapes/openapi.3.1.yaml" };

export const entries: Entry[] = [drs, wes, ncbi, odm, openai, shapes, shapes31];
