import { Command } from "commander";
import { CLI_VERSION } from "./version.js";
import { registerMcpCommand } from "./mcp/command.js";
import { registerPortalCommands, finishProgram } from "./portal-commands.js";
import { PORTALS } from "./portals.js";
import { registerTransferCommands } from "./transfer/index.js";

/** The command tree: one subcommand per portal. Operations are added by the portal modules. */
export function buildProgram(): Command {
  const program = new Command("sciportals")
    .description("Typed clients for scientific data portals, from the shell.")
    .version(CLI_VERSION);
  for (const portal of PORTALS) {
    const portalCommand = program
      .command(portal.name)
      .description(`${portal.definition().title}: every operation of its spec`);
    registerTransferCommands(portalCommand, portal);
    registerPortalCommands(portalCommand, portal);
  }
  registerMcpCommand(program);
  return finishProgram(program);
}
