import type { Command } from "commander";
import type { CliPortal } from "../portals.js";
import { registerDownloadCommand } from "./download-command.js";

/**
 * Adds the transfer commands to a portal's command: `download` where its spec has download
 * operations.
 */
export function registerTransferCommands(portalCommand: Command, portal: CliPortal): void {
  registerDownloadCommand(portalCommand, portal);
}
