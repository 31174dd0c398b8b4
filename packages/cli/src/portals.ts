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
  // Each factory takes its own options type; the CLI passes options it builds from flags and env.
  create: (options: PortalClientOptions & Record<string, unknown>) => unknown;
}

/** Every portal, by command name. A new portal package is one entry here. */
export const PORTALS: readonly CliPortal[] = [
  { name: "stomics", definition: stomicsDefinition, docs: stomicsOperationDocs, create: createStomicsClient },
  {
    name: "genestack-odm",
    definition: genestackOdmDefinition,
    docs: genestackOdmOperationDocs,
    create: createGenestackOdmClient,
  },
  {
    name: "brainstem",
    definition: brainstemDefinition,
    docs: brainstemOperationDocs,
    create: createBrainstemClient,
  },
  { name: "flow", definition: flowDefinition, docs: flowOperationDocs, create: createFlowClient },
];
