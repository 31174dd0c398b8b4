/**
 * The MCP server's start-up, loaded only by `sciportals mcp` (the SDK is not parsed for other commands).
 */
import { readFileSync } from "node:fs";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { clientOptionsFor, type CredentialFlags } from "../credentials.js";
import { UsageError } from "../exit-codes.js";
import { PORTALS, loadPortal, type CliPortal } from "../portals.js";
import type { ToolClient } from "./call.js";
import { openDownloadDir } from "./download-dir.js";
import { CLI_VERSION } from "../version.js";
import { redactor } from "./redact.js";
import { createPortalMcpServer } from "./server.js";
import { buildTools } from "./tools.js";

export interface McpFlags extends CredentialFlags {
  downloadDir?: string | undefined;
  allowWrites?: boolean | undefined;
}

/** Every credential this process could send: none may appear in what the server answers. */
function knownSecrets(portal: CliPortal, options: Record<string, unknown>, flags: McpFlags): string[] {
  const secrets: string[] = [];
  const token = options[portal.tokenOption];
  if (typeof token === "string") secrets.push(token);
  if (flags.token) secrets.push(flags.token);
  for (const scheme of Object.values(portal.definition().schemes)) {
    const value = scheme.env ? process.env[scheme.env] : undefined;
    if (value) secrets.push(value);
  }
  if (flags.tokenFile) {
    try {
      secrets.push(readFileSync(flags.tokenFile, "utf8").trim());
    } catch {
      // clientOptionsFor has already reported an unreadable file.
    }
  }
  return secrets;
}

/** Starts the MCP server for `portalName` on stdin/stdout and resolves when the client disconnects. */
export async function serveMcp(portalName: string, flags: McpFlags): Promise<void> {
  const portal = await loadPortal(portalName);
  if (!portal) {
    throw new UsageError(`unknown portal ${portalName}; one of ${PORTALS.map((p) => p.name).join(", ")}`);
  }
  const options = await clientOptionsFor(portal, flags);
  const client = portal.create(options) as ToolClient;
  const downloadDir = flags.downloadDir ? await openDownloadDir(flags.downloadDir) : undefined;
  const tools = buildTools(portal, { allowWrites: flags.allowWrites === true });
  const server = createPortalMcpServer(portal, {
    tools,
    context: { client, downloadDir },
    redact: redactor(knownSecrets(portal, options, flags)),
    version: CLI_VERSION,
  });
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  // stdout is the protocol channel: nothing else may write to it from here on.
  await server.connect(new StdioServerTransport());
  await closed;
}
