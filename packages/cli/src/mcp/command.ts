import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { clientOptionsFor, type CredentialFlags } from "../credentials.js";
import { UsageError } from "../exit-codes.js";
import { PORTALS, type CliPortal } from "../portals.js";
import type { ToolClient } from "./call.js";
import { openDownloadDir } from "./download-dir.js";
import { CLI_VERSION } from "../version.js";
import { redactor } from "./redact.js";
import { createPortalMcpServer } from "./server.js";
import { buildTools } from "./tools.js";

interface McpFlags extends CredentialFlags {
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
  const portal = PORTALS.find((p) => p.name === portalName);
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

/** Adds `sciportals mcp <portal>` to the program. */
export function registerMcpCommand(program: Command): void {
  program
    .command("mcp")
    .description("Serve a portal to AI agents over the Model Context Protocol (stdio)")
    .argument("<portal>", `the portal: ${PORTALS.map((p) => p.name).join(", ")}`)
    .option(
      "--download-dir <dir>",
      "where download tools save files (and nowhere else); without it, downloads are off",
    )
    .option("--allow-writes", "also serve operations that change data (off: read-only)")
    .option("--base-url <url>", "the portal's base URL")
    .option("--token <token>", "the API key or token (else the portal's variable or token file)")
    .option("--token-file <path>", "read the token from this file")
    .action(async (portalName: string, flags: McpFlags) => {
      await serveMcp(portalName, flags);
    });
}
