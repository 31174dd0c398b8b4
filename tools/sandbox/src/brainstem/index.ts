/** The BrainSTEM sandbox: private and public portals, PATs, device flow, JWT with refresh rotation. */
export {
  startBrainstemSandbox,
  type BrainstemSandbox,
  type BrainstemSandboxOptions,
  type SandboxUser as BrainstemSandboxUser,
} from "./server.js";
export type { Handle as BrainstemSandboxHandle, FixtureIds as BrainstemFixtureIds } from "./fixtures.js";
export type { AuthStats as BrainstemAuthStats } from "./auth.js";
