import type { Command } from "commander";
import { authCommands } from "./auth-commands.js";
import { completionCommand } from "./completion.js";
import { brainstemVerbs } from "./brainstem-verbs.js";
import { addOperations } from "./operations.js";
import type { CliPortal } from "./portals.js";

/** Adds a portal's commands: its generated operations (and, where they apply, login and verbs). */
export function registerPortalCommands(portalCommand: Command, portal: CliPortal): void {
  for (const command of authCommands(portal)) portalCommand.addCommand(command.helpGroup("Credentials:"));
  // BrainSTEM's users know these verbs from its Python tool.
  if (portal.name === "brainstem")
    for (const command of brainstemVerbs(portal))
      portalCommand.addCommand(command.helpGroup("BrainSTEM tool verbs:"));
  addOperations(portalCommand, portal);
}

function walk(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) walk(sub, visit);
}

/**
 * Settings every command needs, applied once the tree is complete (commands made with
 * `addCommand` do not inherit them): errors are thrown, not exited on, so that `cli.ts` maps them
 * to the exit-code contract; usage errors suggest `--help`.
 */
export function finishProgram(program: Command): Command {
  program.addCommand(completionCommand(program));
  walk(program, (command) => {
    command.exitOverride();
    command.showHelpAfterError("(run with --help for usage)");
  });
  return program;
}
