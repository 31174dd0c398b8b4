import { Command, Option } from "commander";
import type { CredentialFlags } from "./credentials.js";
import type { OutputFormat } from "./output.js";

/** The flags every portal command takes, as commander parses them. */
export interface GlobalFlags extends CredentialFlags {
  output?: OutputFormat;
  all?: boolean;
  verbose?: boolean;
  /** False with `--no-progress`. */
  progress?: boolean;
}

/**
 * Adds the global flags to a command. They live on each command (not only the root) so that they
 * may follow the operation, as in `sciportals stomics list-datasets --all --output ndjson`, and
 * show in its `--help`.
 */
export function withGlobalOptions(command: Command, { paginated = false } = {}): Command {
  command
    .addOption(
      new Option("--base-url <url>", "the portal's base URL (default: the spec's, or <PORTAL>_BASE_URL)"),
    )
    .addOption(
      new Option("--token <token>", "a token for this call (prefer --token-file: argv is visible to ps)"),
    )
    .addOption(new Option("--token-file <path>", "read the token from this file"))
    .addOption(new Option("--output <format>", "table | json | ndjson").choices(["table", "json", "ndjson"]))
    .addOption(
      new Option("--verbose", "log each request (method, URL, status; never a credential) to stderr"),
    )
    .addOption(new Option("--no-progress", "no progress display"));
  if (paginated) command.addOption(new Option("--all", "every item of every page, streamed"));
  return command;
}
