import {
  createPortalClient,
  type BatchItem,
  type DownloadManyOptions,
  type DownloadManyResult,
  type OperationMeta,
  type PortalBase,
  type PortalClientOptions,
  type PortalDefinition,
  type ResourceHead,
  type WaitOptions,
  type UploadOptions,
  type UploadResult,
  type UploadSource,
} from "../src/index.js";

/** A small portal described by hand, as codegen would, for core's tests. */
export const ops = {
  getThing: {
    id: "getThing",
    method: "GET",
    path: "/things/{id}",
    security: [["key"]],
    params: [
      { name: "id", in: "path", required: true, type: "string", minLength: 1, pattern: "^[A-Z0-9]+$" },
    ],
  },
  createThing: { id: "createThing", method: "POST", path: "/things", security: [["key"]] },
  searchThings: {
    id: "searchThings",
    method: "POST",
    path: "/things/search",
    security: [["key"]],
    idempotent: true,
  },
  publicThing: {
    id: "publicThing",
    method: "GET",
    path: "/public/{id}",
    security: [[]],
    params: [{ name: "id", in: "path", required: true }],
  },
  listThings: {
    id: "listThings",
    method: "GET",
    path: "/things",
    security: [["key"]],
    params: [
      { name: "page", in: "query", type: "integer", minimum: 1 },
      { name: "size", in: "query", type: "integer", minimum: 1, maximum: 50 },
      {
        name: "tags",
        in: "query",
        type: "array",
        items: { type: "string", enum: ["a", "b"] },
        serialize: "csv",
      },
      { name: "filter", in: "query", type: "object", serialize: "braces" },
      { name: "sort", in: "query", type: "array", serialize: "brackets" },
      { name: "attributes", in: "query", type: "object", serialize: "form" },
    ],
    pagination: { style: "page", items: "items", page: "page", size: "size", total: "total", firstPage: 1 },
  },
  listByOffset: {
    id: "listByOffset",
    method: "GET",
    path: "/offset",
    security: [["key"]],
    params: [
      { name: "pageOffset", in: "query", type: "integer", minimum: 0 },
      { name: "pageLimit", in: "query", type: "integer", minimum: 0, maximum: 2000 },
    ],
    pagination: {
      style: "offset",
      items: "data",
      offset: "pageOffset",
      size: "pageLimit",
      total: "meta.pagination.total",
    },
  },
  listByCursor: {
    id: "listByCursor",
    method: "GET",
    path: "/cursor",
    security: [["key"]],
    params: [
      { name: "cursor", in: "query", type: "string" },
      { name: "pageLimit", in: "query", type: "integer" },
    ],
    pagination: {
      style: "cursor",
      items: "data",
      cursor: "cursor",
      nextCursor: "cursor",
      size: "pageLimit",
      exhausted: "resultsExhausted",
    },
  },
  fileUrl: {
    id: "fileUrl",
    method: "GET",
    path: "/files/{id}/url",
    security: [["key"]],
    params: [{ name: "id", in: "path", required: true, type: "integer" }],
    transfer: { direction: "download", url: "url" },
  },
  jobStatus: {
    id: "jobStatus",
    method: "GET",
    path: "/jobs/{id}",
    security: [["key"]],
    params: [{ name: "id", in: "path", required: true }],
    waiter: {
      status: "info.status",
      success: ["COMPLETED"],
      failure: ["FAILED", "STOPPED"],
      minDelay: 0.02,
      maxDelay: 0.05,
    },
  },
  headFile: {
    id: "headFile",
    method: "HEAD",
    path: "/files/{id}",
    security: [["key"]],
    params: [{ name: "id", in: "path", required: true, type: "integer" }],
  },
  uploadFile: {
    id: "uploadFile",
    method: "POST",
    path: "/upload",
    security: [["key"]],
    idempotent: true,
    bodyType: "multipart",
    params: [
      { name: "filename", in: "body", type: "string", minLength: 1, pattern: "^[^ ]+$" },
      { name: "kind", in: "body", type: "string", enum: ["reads", "other"] },
    ],
    transfer: {
      direction: "upload",
      chunkSize: 1000,
      fields: {
        chunk: "blob",
        filename: "filename",
        offset: "expected_file_size",
        last: "is_last",
        uploadId: "data",
      },
      uploadIdFrom: ["id", "data_id"],
    },
  },
  importFile: {
    id: "importFile",
    method: "POST",
    path: "/import/{kind}",
    security: [["key"]],
    bodyType: "multipart",
    params: [
      { name: "kind", in: "path", required: true, type: "string" },
      { name: "studyAccession", in: "body", required: true, type: "string" },
    ],
    transfer: { direction: "upload", mode: "single", field: "file" },
  },
  importFileIdempotent: {
    id: "importFileIdempotent",
    method: "PUT",
    path: "/import/{kind}",
    security: [["key"]],
    idempotent: true,
    bodyType: "multipart",
    params: [{ name: "kind", in: "path", required: true, type: "string" }],
    transfer: { direction: "upload", mode: "single", field: "file" },
  },
  fileBytes: {
    id: "fileBytes",
    method: "GET",
    path: "/files/{id}",
    security: [["key"]],
    params: [{ name: "id", in: "path", required: true, type: "integer" }],
    parseAs: "stream",
    transfer: { direction: "download", range: true },
  },
} satisfies Record<string, OperationMeta>;

export function testDefinition(baseUrl: string): PortalDefinition {
  return {
    title: "Testportal",
    factory: "createTestClient",
    baseUrl,
    schemes: {
      key: {
        header: "X-Api-Key",
        prefix: "",
        option: "apiKey",
        env: "TEST_API_KEY",
        help: "Ask the test for one.",
      },
    },
    operations: ops,
  };
}

type AnyInput = Record<string, any> | undefined;
export type TestClient = PortalBase<{}> & {
  [K in keyof typeof ops]: (input?: AnyInput) => Promise<any>;
} & {
  paginate(id: string, input?: AnyInput, options?: { prefetch?: boolean }): any;
  download(id: string, input: AnyInput, dest: string, options?: Record<string, unknown>): Promise<any>;
  head(id: string, input?: AnyInput): Promise<ResourceHead>;
  waitFor(id: string, input?: AnyInput, options?: WaitOptions): Promise<any>;
  upload(id: string, input: AnyInput, source: UploadSource, options?: UploadOptions): Promise<UploadResult>;
  downloadMany(items: BatchItem[], options?: DownloadManyOptions): Promise<DownloadManyResult>;
};

export function testClient(baseUrl: string, options: Record<string, unknown> = {}): TestClient {
  return createPortalClient(testDefinition(baseUrl), {
    apiKey: "secret-key-123",
    env: false,
    ...options,
  } as PortalClientOptions) as unknown as TestClient;
}
