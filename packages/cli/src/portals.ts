import type { OperationDocs, PortalClientOptions, PortalDefinition } from "@sciportals/core";

/** A portal as the CLI sees it: its generated metadata and docs, and its client factory. */
export interface CliPortal {
  /** The command name: `sciportals <name> …`. */
  name: string;
  definition: () => PortalDefinition;
  docs: Readonly<Record<string, OperationDocs>>;
  /** The client option a bare token (`--token`, a token file, `login`) goes into. */
  tokenOption: string;
  // Each factory takes its own options type; the CLI passes options it builds from flags and env.
  create: (options: PortalClientOptions & Record<string, unknown>) => unknown;
}

/**
 * A portal before its package is loaded: what the top-level help needs, and how to load the rest.
 * Packages load only when a command names their portal, so `sciportals stomics …` never parses
 * ODM's or BrainSTEM's metadata (together most of the start-up time and memory).
 */
export interface PortalEntry {
  name: string;
  /** The spec's `info.title` (a test checks they agree). */
  title: string;
  load: () => Promise<CliPortal>;
}

/** Every portal, by command name. A new portal package is one entry here. */
export const PORTALS: readonly PortalEntry[] = [
  {
    name: "stomics",
    title: "STOmics",
    load: async () => {
      const m = await import("@sciportals/stomics");
      return {
        name: "stomics",
        definition: m.stomicsDefinition,
        docs: m.stomicsOperationDocs,
        tokenOption: "apiKey",
        create: m.createStomicsClient,
      };
    },
  },
  {
    name: "genestack-odm",
    title: "Genestack ODM",
    load: async () => {
      const m = await import("@sciportals/genestack-odm");
      return {
        name: "genestack-odm",
        definition: m.genestackOdmDefinition,
        docs: m.genestackOdmOperationDocs,
        // A Genestack API token is what a user can create for themselves (Profile page).
        tokenOption: "apiToken",
        create: m.createGenestackOdmClient,
      };
    },
  },
  {
    name: "brainstem",
    title: "BrainSTEM",
    load: async () => {
      const m = await import("@sciportals/brainstem");
      return {
        name: "brainstem",
        definition: m.brainstemDefinition,
        docs: m.brainstemOperationDocs,
        tokenOption: "token",
        create: m.createBrainstemClient,
      };
    },
  },
  {
    name: "flow",
    title: "Flow",
    load: async () => {
      const m = await import("@sciportals/flow");
      return {
        name: "flow",
        definition: m.flowDefinition,
        docs: m.flowOperationDocs,
        tokenOption: "token",
        create: m.createFlowClient,
      };
    },
  },
];

/** The portal named `name`, loaded; undefined for an unknown name. */
export async function loadPortal(name: string): Promise<CliPortal | undefined> {
  return PORTALS.find((p) => p.name === name)?.load();
}

/** Every portal, loaded (for shell completion and embedding). */
export function loadAllPortals(): Promise<CliPortal[]> {
  return Promise.all(PORTALS.map((p) => p.load()));
}

/**
 * The portals a command line needs loaded: the one it names (`sciportals flow …`,
 * `sciportals help flow`, `sciportals mcp flow`), or all of them for `completion`.
 */
export function portalsNamedBy(argv: readonly string[]): string[] {
  const words = argv.filter((arg) => !arg.startsWith("-"));
  if (words[0] === "completion") return PORTALS.map((p) => p.name);
  return PORTALS.map((p) => p.name).filter((name) => words.slice(0, 2).includes(name));
}
