/** The Genestack ODM sandbox: a local, stateful server that follows the curated ODM spec (specs/genestack-odm: upstream + overlay). */
export {
  startOdmSandbox,
  ODM_SANDBOX_API_TOKEN,
  ODM_SANDBOX_ACCESS_TOKEN,
  ODM_SANDBOX_USERS,
  type OdmSandbox,
  type OdmSandboxOptions,
  type OdmRecordedRequest,
} from "./server.js";
export type { OdmCatalog, CatalogFile as OdmCatalogFile, MetaObject as OdmObject } from "./catalog.js";
export type { JobDurations as OdmJobDurations } from "./jobs.js";
