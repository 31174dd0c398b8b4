/**
 * The `sciportals` command, as a library: its portal registry and program, for tests and for
 * embedding the commands elsewhere.
 * @packageDocumentation
 */
export { PORTALS, loadAllPortals, loadPortal, type CliPortal, type PortalEntry } from "./portals.js";
export { buildProgram, programFor } from "./program.js";
