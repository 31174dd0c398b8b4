import type { DownloadManyResult, PortalDefinition } from "@sciportals/core";
import { positiveInt } from "../option-parsers.js";
import { Command, Option } from "commander";
import { resolve } from "node:path";
import type { CliPortal } from "../portals.js";
import { downloadOperations, pickDownloadOperation, toBatchItems } from "./mapping.js";
import { createProgress, type ProgressMode } from "./progress.js";
import { collectFiles, collectParam, type TransferClient } from "./sources.js";
import { clientOptionsFor, type CredentialFlags } from "../credentials.js";
import { EXIT, exitCodeFor, UsageError } from "../exit-codes.js";

/** Ctrl-C's exit code, as shells expect (128 + SIGINT); the others follow flowbio's contract. */
const EXIT_INTERRUPTED = 130;

interface DownloadFlags {
  from?: string;
  list?: string;
  param: Record<string, string>;
  operation?: string;
  dir: string;
  concurrency: number;
  progress: boolean;
  baseUrl?: string;
  token?: string;
  tokenFile?: string;
}

/** Makes the client the command downloads with. */
export type ClientFactory = (portal: CliPortal, flags: CredentialFlags) => Promise<unknown>;

// The same credentials as every command: --token/--token-file, the packages' variables, the token file.
const defaultClient: ClientFactory = async (portal, flags) =>
  portal.create(await clientOptionsFor(portal, flags));

/**
 * Adds `download` to a portal's command when its spec has a download operation: ids, a list
 * file or a list operation's items, fetched `--concurrency` at a time by core's `downloadMany`.
 */
export function registerDownloadCommand(
  portalCommand: Command,
  portal: CliPortal,
  makeClient: ClientFactory = defaultClient,
): void {
  const definition = portal.definition();
  if (downloadOperations(definition).length === 0) return;
  portalCommand
    .command("download")
    .description(
      "Download files, several at once: resumes what an earlier run left, skips complete files, verifies sizes and checksums the portal gives",
    )
    .argument("[ids...]", "files by id, or by every path parameter joined with / (e.g. STD0001/7)")
    .option("--from <file>", "a file of ids, one a line")
    .option("--list <operation>", "download every item of a list operation (e.g. list-dataset-files)")
    .option(
      "--param <name=value>",
      "a parameter of the list or download operation (repeatable)",
      collectParam,
      {},
    )
    .option("--operation <operation>", "the download operation to use")
    .option("--dir <dir>", "where to save the files", ".")
    .addOption(new Option("--concurrency <n>", "files at once").default(4).argParser(positiveInt))
    .option("--no-progress", "no progress display")
    .option("--base-url <url>", "the portal's base URL")
    .option("--token <token>", "the portal's token or API key (else its variable or token file)")
    .option("--token-file <file>", "read the token from a file")
    .action(async (ids: string[], flags: DownloadFlags) => {
      process.exitCode = await runDownload(portal, definition, ids, flags, makeClient);
    });
}

async function runDownload(
  portal: CliPortal,
  definition: PortalDefinition,
  ids: string[],
  flags: DownloadFlags,
  makeClient: ClientFactory,
): Promise<number> {
  let result: DownloadManyResult;
  const stop = new AbortController();
  // A credential that is missing or refused fails every file alike: stop at the first, say it once.
  let authFailure: unknown;
  // First Ctrl-C: stop cleanly, keeping each file's `.part` for the next run. Second: leave now.
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write("\nstopping: a rerun continues where this one stopped (Ctrl-C again to quit now)\n");
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const op = pickDownloadOperation(portal.name, definition, flags.operation);
    const client = (await makeClient(portal, {
      baseUrl: flags.baseUrl,
      token: flags.token,
      tokenFile: flags.tokenFile,
    })) as TransferClient;
    const files = await collectFiles(client, definition, op, {
      ids,
      from: flags.from,
      list: flags.list,
      params: flags.param,
    });
    const items = toBatchItems(op, files, resolve(flags.dir));
    const mode: ProgressMode = !flags.progress ? "none" : process.stderr.isTTY ? "tty" : "lines";
    const progress = createProgress(mode);
    try {
      result = await client.downloadMany(items, {
        concurrency: flags.concurrency,
        signal: stop.signal,
        onFile: (event) => {
          if (
            event.type === "failed" &&
            authFailure === undefined &&
            exitCodeFor(event.error) === EXIT.auth
          ) {
            authFailure = event.error;
            stop.abort();
          }
          progress.file(event);
        },
        onProgress: (p) => progress.batch(p),
      });
    } finally {
      progress.finish();
    }
  } catch (error) {
    process.stderr.write(`sciportals: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodeFor(error);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (authFailure !== undefined) {
    const message = authFailure instanceof Error ? authFailure.message : String(authFailure);
    process.stderr.write(
      `sciportals: ${message}\nstopped: no file was downloaded after the first refused one\n`,
    );
    return EXIT.auth;
  }
  const interrupted = stop.signal.aborted;
  process.stdout.write(
    `${interrupted ? "interrupted: " : ""}${result.downloaded} downloaded, ${result.skipped} skipped, ${result.failed} failed\n`,
  );
  if (interrupted) return EXIT_INTERRUPTED;
  // The display already named each failure; without it, they are listed here.
  if (!flags.progress)
    for (const file of result.files)
      if (file.status === "failed")
        process.stderr.write(`failed: ${file.destination}: ${file.error?.message}\n`);
  return result.failed > 0 ? EXIT.runtime : EXIT.ok;
}
