import { brainstemOperationDocs, brainstemDefinition, createBrainstemClient } from "@sciportals/brainstem";
import type { OperationDocs, PortalClientOptions, PortalDefinition } from "@sciportals/core";
import { createFlowClient, flowDefinition, flowOperationDocs } from "@sciportals/flow";
import {
  createGenestackOdmClient,
  genestackOdmDefinition,
  genestackOdmOperationDocs,
} from "@sciportals/genestack-odm";
import { createStomicsClient, stomicsDefinition, stomicsOperationDocs } from "@sciportals/stomics";

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

/** Every portal, by command name. A new portal package is one entry here. */
export const PORTALS: readonly CliPortal[] = [
  {
    name: "stomics",
    definition: stomicsDefinition,
    docs: stomicsOperationDocs,
    tokenOption: "apiKey",
    create: createStomicsClient,
  },
  {
    name: "genestack-odm",
    definition: genestackOdmDefinition,
    docs: genestackOdmOperationDocs,
    // A Genestack API token is what a user can create for themselves (Profile page).
    tokenOption: "apiToken",
    create: createGenestackOdmClient,
  },
  {
    name: "brainstem",
    definition: brainstemDefinition,
    docs: brainstemOperationDocs,
    tokenOption: "token",
    create: createBrainstemClient,
  },
  {
    name: "flow",
    definition: flowDefinition,
    docs: flowOperationDocs,
    tokenOption: "token",
    create: createFlowClient,
  },
];
