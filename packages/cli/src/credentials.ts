import { existsSync, readFileSync } from "node:fs";
import { fileTokenStore } from "@sciportals/core/node";
import { homedir } from "node:os";
import { join } from "node:path";
import type { CliPortal } from "./portals.js";
import { UsageError } from "./exit-codes.js";

/** The credential flags every portal command takes. */
export interface CredentialFlags {
  token?: string | undefined;
  tokenFile?: string | undefined;
  baseUrl?: string | undefined;
}

/** Where the portals' own tools keep their token; `~` is the home directory. Others: under XDG. */
const OWN_TOOL_TOKEN_FILES: Readonly<Record<string, readonly string[]>> = {
  brainstem: [".config", "brainstem", "token"],
  flow: [".config", "flow", "api-token"],
};

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** The CLI's own folder for a portal: `$XDG_CONFIG_HOME/sciportals/<portal>` (default `~/.config`). */
function portalConfigDir(portal: CliPortal, env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(home(env), ".config"), "sciportals", portal.name);
}

/**
 * The token file `login` writes and every command reads for a portal: the portal's own tool's
 * file where it has one (so one login serves both tools), else
 * `$XDG_CONFIG_HOME/sciportals/<portal>/token` (default `~/.config`).
 */
export function tokenFilePath(portal: CliPortal, env: NodeJS.ProcessEnv = process.env): string {
  const own = OWN_TOOL_TOKEN_FILES[portal.name];
  if (own) return join(home(env), ...own);
  return join(portalConfigDir(portal, env), "token");
}

/**
 * Where `login` keeps a password login's session (access token, refresh token, expiry) as JSON:
 * `$XDG_CONFIG_HOME/sciportals/<portal>/session.json`. It is never the portal's own tool's file,
 * which holds a long-lived API key that this short-lived token must not replace.
 */
export function sessionFilePath(portal: CliPortal, env: NodeJS.ProcessEnv = process.env): string {
  return join(portalConfigDir(portal, env), "session.json");
}

/** Reads a bare token from a file, as the portals' tools write it (trimmed); undefined when absent. */
export function readTokenFile(path: string): string | undefined {
  try {
    const token = readFileSync(path, "utf8").trim();
    return token || undefined;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw new UsageError(`cannot read the token file ${path}: ${(error as Error).message}`);
  }
}

/** True when one of the portal's credential variables (`STOMICS_API_KEY`, …) is set. */
function envHasCredential(portal: CliPortal, env: NodeJS.ProcessEnv): boolean {
  return Object.values(portal.definition().schemes).some((scheme) => scheme.env && env[scheme.env]);
}

/**
 * The options to pass to `portal.create()`, by precedence: `--token` or `--token-file`; else the
 * packages' own environment variables (the clients read those themselves, so nothing is added);
 * else a password login's session ({@link sessionFilePath}), which refreshes itself and saves the
 * new tokens; else the portal's token file ({@link tokenFilePath}). The token is never printed:
 * it goes only into these options, which core registers as a secret to scrub.
 */
export async function clientOptionsFor(
  portal: CliPortal,
  flags: CredentialFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, unknown>> {
  const options: Record<string, unknown> = {};
  if (flags.baseUrl) options.baseUrl = flags.baseUrl;
  if (flags.token !== undefined && flags.tokenFile !== undefined)
    throw new UsageError("pass --token or --token-file, not both");
  if (flags.token !== undefined) {
    if (!flags.token) throw new UsageError("--token is empty");
    options[portal.tokenOption] = flags.token;
    return options;
  }
  if (flags.tokenFile !== undefined) {
    const token = readTokenFile(flags.tokenFile);
    if (!token) throw new UsageError(`the token file ${flags.tokenFile} does not exist or is empty`);
    options[portal.tokenOption] = token;
    return options;
  }
  if (envHasCredential(portal, env)) return options;
  if (portal.name === "brainstem") {
    // The package reads (and its device login writes) the Python tool's file itself.
    options.tokenStore = "file";
    return options;
  }
  const session = sessionFilePath(portal, env);
  if (existsSync(session)) {
    options.tokenStore = fileTokenStore(session);
    return options;
  }
  const stored = readTokenFile(tokenFilePath(portal, env));
  if (stored) options[portal.tokenOption] = stored;
  return options;
}
