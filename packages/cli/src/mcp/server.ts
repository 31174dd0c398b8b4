import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import type { CliPortal } from "../portals.js";
import { callTool, MAX_RESULT_CHARS, type CallContext } from "./call.js";
import type { ToolSet } from "./tools.js";

/** What the server needs besides the portal: its tools, where calls go, and what never to show. */
export interface McpServerOptions {
  tools: ToolSet;
  context: CallContext;
  /** Applied to every text that leaves the server. */
  redact: (text: string) => string;
  version: string;
}

/**
 * The MCP server for one portal. Uses the SDK's low-level `Server` rather than `McpServer`:
 * the tools come with JSON Schemas generated from the spec, and `McpServer` wants Zod schemas.
 */
export function createPortalMcpServer(portal: CliPortal, options: McpServerOptions): Server {
  const { tools, context, redact } = options;
  const server = new Server(
    { name: `sciportals-${portal.name}`, version: options.version },
    {
      capabilities: { tools: {} },
      instructions:
        `Tools for ${portal.definition().title}. List tools return one page and a continuationToken for the next; ` +
        `download tools save into the directory the user chose and return the saved path.`,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [...tools.served.values()].map((t) => t.tool),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const name = request.params.name;
    const tool = tools.served.get(name);
    if (!tool) {
      const message = tools.withheld.has(name)
        ? `${name} is a write operation, and this server was started read-only. Restart it with --allow-writes to allow changes to ${portal.name}.`
        : `No tool named ${name}.`;
      return { isError: true, content: [{ type: "text", text: message }] };
    }
    try {
      const result = await callTool(name, tool, request.params.arguments ?? {}, context);
      return { content: [{ type: "text", text: bounded(redact(JSON.stringify(result, null, 2))) }] };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { isError: true, content: [{ type: "text", text: redact(message) }] };
    }
  });
  return server;
}

function bounded(text: string): string {
  if (text.length <= MAX_RESULT_CHARS) return text;
  return `${text.slice(0, MAX_RESULT_CHARS)}\n… (cut at ${MAX_RESULT_CHARS} characters of ${text.length})`;
}
