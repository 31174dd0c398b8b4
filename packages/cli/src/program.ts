import { Command } from "commander";
import { CLI_VERSION } from "./version.js";
import { registerMcpCommand } from "./mcp/command.js";
import { registerPortalCommands, finishProgram } from "./portal-commands.js";
import { PORTALS, loadPortal, portalsNamedBy, type CliPortal } from "./portals.js";
import { registerTransferCommands } from "./transfer/index.js";

/**
 * The command tree: one subcommand per portal. The portals in `loaded` get their operations; the
 * others are listed (for `--help`) with no operations, as the command line did not name them.
 */
export function buildProgram(loaded: readonly CliPortal[]): Command {
  const program = new Command("sciportals")
    .description("Typed clients for scientific data portals, from the shell.")
    .version(CLI_VERSION);
  for (const entry of PORTALS) {
    const portalCommand = program
      .command(entry.name)
      .description(`${entry.title}: every operation of its spec`);
    const portal = loaded.find((p) => p.name === entry.name);
    if (!portal) continue;
    registerTransferCommands(portalCommand, portal);
    registerPortalCommands(portalCommand, portal);
  }
  registerMcpCommand(program);
  return finishProgram(program);
}

/** The command tree for a command line (`process.argv.slice(2)`), loading only the portals it names. */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const loaded = await Promise.all(portalsNamedBy(argv).map((name) => loadPortal(name)));
  return buildProgram(loaded.filter((p): p is CliPortal => p !== undefined));
}
