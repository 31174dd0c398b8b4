/**
 * The `sciportals` command, as a library: its portal registry and program, for tests and for
 * embedding the commands elsewhere.
 * @packageDocumentation
 */
export { PORTALS, type CliPortal } from "./portals.js";
export { buildProgram } from "./program.js";
