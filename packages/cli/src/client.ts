import type { PortalClientOptions } from "@sciportals/core";
import { clientOptionsFor } from "./credentials.js";
import type { GlobalFlags } from "./global-options.js";
import type { CliPortal } from "./portals.js";
import { verboseFetch } from "./verbose-fetch.js";

/** The loose shape of a generated client the CLI calls by operation id. */
export interface AnyClient {
  [operationId: string]: unknown;
  paginate(id: string, input?: unknown): AsyncIterable<unknown>;
  download(id: string, input: unknown, destination: string, options?: unknown): Promise<unknown>;
  auth?: {
    login(values?: Record<string, string>): Promise<void>;
    deviceLogin(options: {
      onPrompt: (prompt: Record<string, unknown>) => void;
      body?: Record<string, unknown>;
    }): Promise<void>;
    logout(): Promise<void>;
  };
}

/** A client for a portal from the global flags: credentials, base URL, `--verbose` logging. */
export async function clientFor(
  portal: CliPortal,
  flags: GlobalFlags,
  extra: Partial<PortalClientOptions> & Record<string, unknown> = {},
): Promise<AnyClient> {
  const options = { ...(await clientOptionsFor(portal, flags)), ...extra };
  if (flags.verbose) {
    // A fetch given to a client replaces its proxy handling: wrap core's, which reads the variables.
    const { createProxyFetch } = await import("@sciportals/core/node");
    options.fetch = verboseFetch(await createProxyFetch());
  }
  return portal.create(options) as AnyClient;
}
