import type { DownloadResult, Page, PagedIterable, PaginateOptions, RawInput } from "@sciportals/core";
import { toRawInput } from "./arguments.js";
import { defaultFileName, destinationIn } from "./download-dir.js";
import { CONTINUATION, FILE_NAME } from "./schema.js";
import type { PortalTool } from "./tools.js";

/** The parts of a generated client the tools use, called by operation id. */
export interface ToolClient {
  paginate(operationId: string, input: RawInput, options?: PaginateOptions): PagedIterable<unknown>;
  download(operationId: string, input: RawInput, destination: string): Promise<DownloadResult>;
  [operationId: string]: unknown;
}

/** Page size when the agent names none, and the most it may ask for: a page must fit a model's context. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest page a list tool returns, whatever the agent asks. */
export const MAX_PAGE_SIZE = 100;
/** The longest text a read tool returns; beyond it the result is cut and says so. */
export const MAX_RESULT_CHARS = 200_000;

/** Where tool calls happen: the client, and the one directory downloads may go to. */
export interface CallContext {
  client: ToolClient;
  downloadDir: string | undefined;
}

/** Runs one tool call and returns its result as JSON-ready data. Throws on failure. */
export async function callTool(
  name: string,
  tool: PortalTool,
  args: Record<string, unknown>,
  context: CallContext,
): Promise<unknown> {
  const input = toRawInput(tool.input, args);
  switch (tool.kind) {
    case "list":
      return onePage(tool, input, args, context.client);
    case "download":
      return downloadInto(name, tool, input, args, context);
    default: {
      const method = context.client[tool.operationId];
      if (typeof method !== "function") throw new Error(`The client has no operation ${tool.operationId}.`);
      return readable(await (method as (input: RawInput) => Promise<unknown>).call(context.client, input));
    }
  }
}

async function onePage(tool: PortalTool, input: RawInput, args: Record<string, unknown>, client: ToolClient) {
  const token = args[CONTINUATION];
  if (token !== undefined && typeof token !== "string")
    throw new TypeError(`${CONTINUATION} must be a string.`);
  const size = pageSizeOf(tool, input);
  // No prefetch: the agent may never ask for the next page, and this process serves one page a call.
  const pages = client.paginate(tool.operationId, input, { prefetch: false }).byPage({
    continuationToken: token,
    pageSize: size,
  });
  try {
    const { value, done } = await pages.next();
    if (done) return { items: [], continuationToken: null };
    const page = value as Page<unknown>;
    return {
      items: page.items,
      ...(page.total !== undefined && { total: page.total }),
      continuationToken: page.continuationToken ?? null,
    };
  } finally {
    await pages.return?.();
  }
}

/** The page size to ask for: the agent's, capped, or the default; undefined when the portal takes none. */
function pageSizeOf(tool: PortalTool, input: RawInput): number | undefined {
  const sizeName = tool.pageSizeParam;
  if (!sizeName) return undefined;
  const asked = Number(input.query?.[sizeName] ?? DEFAULT_PAGE_SIZE);
  if (input.query) delete input.query[sizeName];
  return Math.max(1, Math.min(MAX_PAGE_SIZE, Number.isFinite(asked) ? Math.floor(asked) : DEFAULT_PAGE_SIZE));
}

async function downloadInto(
  name: string,
  tool: PortalTool,
  input: RawInput,
  args: Record<string, unknown>,
  context: CallContext,
) {
  if (!context.downloadDir) {
    throw new Error(
      "Downloads are off: start the server with --download-dir DIR to let tools save files there.",
    );
  }
  const { [FILE_NAME]: asked, ...rest } = args;
  if (asked !== undefined && typeof asked !== "string") throw new TypeError(`${FILE_NAME} must be a string.`);
  const destination = await destinationIn(context.downloadDir, asked ?? defaultFileName(name, rest));
  const result = await context.client.download(tool.operationId, input, destination);
  return { path: result.path, size: result.size };
}

/** A response as something JSON can carry: binary bodies are described, not dumped. */
function readable(data: unknown): unknown {
  if (data instanceof Blob) return { binary: true, size: data.size, type: data.type };
  if (data instanceof ArrayBuffer) return { binary: true, size: data.byteLength };
  if (data instanceof ReadableStream) {
    void data.cancel();
    return { binary: true, note: "A stream; use a download tool to save it." };
  }
  return data ?? null;
}
