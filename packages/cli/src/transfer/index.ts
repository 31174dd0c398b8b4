import type { Command } from "commander";
import type { CliPortal } from "../portals.js";
import { registerFlowUpload } from "../flow-upload/upload-command.js";
import { registerDownloadCommand } from "./download-command.js";

/**
 * Adds the transfer commands to a portal's command: `download` where its spec has download
 * operations; for Flow, `upload` with flowbio's subcommands (its upload protocol is Flow's own).
 */
export function registerTransferCommands(portalCommand: Command, portal: CliPortal): void {
  registerDownloadCommand(portalCommand, portal);
  if (portal.name === "flow") registerFlowUpload(portalCommand, portal);
}
