import type { SecurityRequirement } from "./auth.js";

/** An HTTP method, upper case, as operations name them. */
export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE";

/** A parameter's constraints and wire format, from the spec; checked before a request is sent. */
export interface ParamMeta {
  name: string;
  /** `body`: a top-level field of the request body (checked when the body is a plain object). */
  in: "path" | "query" | "header" | "body";
  required?: boolean;
  type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: readonly (string | number | boolean)[];
  /** Constraints on each element of an array parameter. */
  items?: {
    type?: ParamMeta["type"];
    enum?: readonly (string | number | boolean)[];
    pattern?: string;
    minimum?: number;
    maximum?: number;
  };
  /**
   * How the value goes on the wire when openapi-fetch's default is not it: `csv` (`a=1,2`),
   * `brackets` (`a[]=1&a[]=2`), `braces` (`a{k}=v`), or `form` for an object in OpenAPI's
   * exploded form style, each key a parameter of its own (`{ k: "v" }` as `k=v`).
   */
  serialize?: "csv" | "brackets" | "braces" | "form";
}

/** `x-sciportals-pagination`: how to walk an operation's pages. See codegen/EXTENSIONS.md. */
export interface PaginationMeta {
  style: "page" | "offset" | "cursor";
  /** Dotted path of the item array in a page; "" when the page is the array. */
  items: string;
  page?: string;
  firstPage?: number;
  offset?: string;
  size?: string;
  total?: string;
  cursor?: string;
  nextCursor?: string;
  exhausted?: string;
}

/** `x-sciportals-transfer` for downloads. */
export interface DownloadMeta {
  direction: "download";
  /** Dotted path of a pre-signed URL in the operation's JSON response; absent when the response is the file. */
  url?: string;
  /** The portal honours `Range` on this operation. */
  range?: boolean;
  /**
   * Where a row of the portal's file listings keeps the file's id and name, when not in `id` and
   * `filename`/`name` (Genestack ODM: `genestack:accession`, `genestack:name`). Read by tools that
   * download what a list operation returns, such as the CLI's `download --list`.
   */
  listed?: { id?: string; name?: string };
}

/** `x-sciportals-waiter`: how to tell a long-running job's state. See codegen/EXTENSIONS.md. */
export interface WaiterMeta {
  /** Dotted path of the state in the response. */
  status: string;
  success: readonly string[];
  failure: readonly string[];
  /** First delay between polls, in seconds. */
  minDelay?: number;
  /** Largest delay between polls, in seconds. */
  maxDelay?: number;
}

/** `x-sciportals-transfer` for uploads: chunked (a protocol of several requests) or single (one multipart request). */
export type UploadMeta = ChunkedUploadMeta | SingleUploadMeta;

/** `x-sciportals-transfer` for a file sent whole in one multipart/form-data request. */
export interface SingleUploadMeta {
  direction: "upload";
  mode: "single";
  /** The multipart field that holds the file; the other body fields go before it. */
  field: string;
}

/** `x-sciportals-transfer` for chunked uploads: the protocol's field names. */
export interface ChunkedUploadMeta {
  direction: "upload";
  chunkSize?: number;
  fields: { chunk: string; filename: string; offset: string; last: string; uploadId: string };
  /** Response fields holding the upload's id, tried in order. */
  uploadIdFrom: readonly string[];
}

/** Everything core needs to call one operation; generated from the spec, one constant per operation. */
export interface OperationMeta {
  /** The method name: the spec's operationId in camelCase, or one derived from method and path. */
  id: string;
  /** The spec's own operationId, when it differs from {@link OperationMeta.id} (or is missing). */
  operationId?: string;
  method: HttpMethod;
  path: string;
  summary?: string;
  security?: SecurityRequirement;
  /** `x-sciportals-idempotent`: a POST or PATCH that may be retried. */
  idempotent?: boolean;
  params?: readonly ParamMeta[];
  /** How to read a success body. */
  parseAs?: "json" | "text" | "blob" | "arrayBuffer" | "stream";
  /** The request body's media type, when it is not JSON. */
  bodyType?: "multipart" | "form" | "binary";
  pagination?: PaginationMeta;
  transfer?: DownloadMeta | UploadMeta;
  waiter?: WaiterMeta;
}

/** What the spec says about an operation for people: generated per portal in `docs.gen.ts`. */
export interface OperationDocs {
  summary?: string;
  description?: string;
  tags?: readonly string[];
  /** Each parameter's description, by name. */
  params?: Readonly<Record<string, string>>;
  /** The spec's operationId, where it differs from the method name. */
  operationId?: string;
  /** `public`, `seed` or `unverified`, where the spec says. */
  provenance?: string;
  deprecated?: boolean;
}

/** Options every call accepts besides its parameters. */
export interface CallOptions {
  /** Aborts the call, including its retries and waits. */
  signal?: AbortSignal | undefined;
  /** Per-attempt time limit in milliseconds; overrides the client's. */
  timeoutMs?: number | undefined;
  /** Retries for this call; overrides the client's. */
  maxRetries?: number | undefined;
  /** Extra request headers. */
  headers?: Record<string, string> | undefined;
}

type OmitNever<T> = { [K in keyof T as [Exclude<T[K], undefined>] extends [never] ? never : K]: T[K] };

/** The `path`, `query` and `header` parameters of an openapi-typescript operation. */
export type OperationParams<Op> = Op extends { parameters: infer P } ? OmitNever<P> : {};

type JsonFirst<C> = C extends { "application/json": infer J } ? J : C[keyof C];

/** The request body of an openapi-typescript operation, as `{ body }`. */
export type OperationBody<Op> = Op extends { requestBody?: infer B }
  ? [NonNullable<B>] extends [never]
    ? {}
    : undefined extends B
      ? { body?: JsonFirst<NonNullable<B> extends { content: infer C } ? C : never> }
      : { body: JsonFirst<NonNullable<B> extends { content: infer C } ? C : never> }
  : {};

/** What a named operation takes: its parameters, its body and the {@link CallOptions}. */
export type OperationInput<Op> = OperationParams<Op> & OperationBody<Op> & CallOptions;

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206 | 207 | 208 | 226 | "2XX";
type ContentOf<R> = R extends { content: infer C } ? JsonFirst<C> : undefined;
type SuccessOf<R> = [Extract<keyof R, SuccessStatus>] extends [never]
  ? "default" extends keyof R
    ? ContentOf<R["default"]>
    : unknown
  : ContentOf<R[Extract<keyof R, SuccessStatus>]>;

/**
 * What a named operation resolves to: the body of its success responses; for an operation the
 * spec documents only with `default`, that body; `unknown` when the spec says nothing.
 */
export type OperationOutput<Op> = Op extends { responses: infer R } ? SuccessOf<R> : unknown;

type BodyPart<B> = {} extends B ? { body?: B } : { body: B };

/** What `client.upload()` takes: the operation's input without the body fields the engine fills. */
export type UploadInput<I, Engine extends PropertyKey> = Omit<I, "body"> &
  BodyPart<I extends { body?: infer B } ? Omit<NonNullable<B>, Engine> : {}>;

/** The raw input object of any call, as core reads it. */
export interface RawInput extends CallOptions {
  path?: Record<string, unknown> | undefined;
  query?: Record<string, unknown> | undefined;
  header?: Record<string, unknown> | undefined;
  body?: unknown;
}
