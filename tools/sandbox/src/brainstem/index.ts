/** The BrainSTEM sandbox: private, public and super portals, personal access tokens, the device flow and its approval page. */
export {
  startBrainstemSandbox,
  type BrainstemSandbox,
  type BrainstemSandboxOptions,
  type SandboxUser as BrainstemSandboxUser,
} from "./server.js";
export type { Handle as BrainstemSandboxHandle, FixtureIds as BrainstemFixtureIds } from "./fixtures.js";
export type { AuthStats as BrainstemAuthStats } from "./auth.js";
