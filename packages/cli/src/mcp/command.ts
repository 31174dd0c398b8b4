import type { Command } from "commander";
import { PORTALS } from "../portals.js";
import type { McpFlags } from "./serve.js";

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
      const { serveMcp } = await import("./serve.js");
      await serveMcp(portalName, flags);
    });
}
