import { AbortError } from "@sciportals/core";
import { positiveInt } from "../option-parsers.js";
import { Command, InvalidArgumentError, Option } from "commander";
import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { clientFor } from "../client.js";
import { EXIT, exitCodeFor, UsageError } from "../exit-codes.js";
import { withGlobalOptions, type GlobalFlags } from "../global-options.js";
import type { CliPortal } from "../portals.js";
import { eachConcurrently } from "../transfer/pool.js";
import { createProgress } from "../transfer/progress.js";
import { trackUploads, type UploadTracker } from "../transfer/upload-tracker.js";
import {
  PROTOCOL_FIELDS,
  uploadFile,
  uploadMultiplexed,
  uploadSample,
  type FlowUploadClient,
  type TrackedUpload,
} from "./flow-uploads.js";
import { checkLocalFile, type LocalFile } from "./local-file.js";
import { readSampleSheet, SheetError, sheetAttributes } from "./sample-sheet.js";

/** Ctrl-C's exit code, as shells expect (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

interface UploadFlags extends GlobalFlags {
  concurrency?: number;
}

/** What a command reports: lines for people (stdout), the `--output json` document, and its exit code. */
interface Outcome {
  lines: string[];
  json: unknown;
  exitCode: number;
  /** Lines naming each failure, for stderr when no display named them. */
  failures?: string[];
}

/**
 * `sciportals flow upload data|sample|multiplexed|batch`: flowbio's upload commands, over core's
 * chunked `upload()`, with the progress display `download` uses.
 */
export function registerFlowUpload(portalCommand: Command, portal: CliPortal): void {
  const upload = portalCommand
    .command("upload")
    .description(
      "Upload data files and samples as flowbio does: 1,000,000-byte chunks, each retried, with progress",
    );

  command(upload, "data", "Upload data files (any type), --concurrency at once")
    .argument("<files...>", "the files to upload")
    .option("--data-type <type>", "a data-type identifier (see list-data-types); Flow checks it")
    .option("--directory", "the file is an archive of a folder (.zip, .tar, .tar.gz) for Flow to unpack")
    .option("--filename <name>", "store the file under this name (one file only)")
    .addOption(concurrencyOption())
    .action(
      async (
        paths: string[],
        flags: UploadFlags & { dataType?: string; directory?: boolean; filename?: string },
      ) => {
        if (flags.filename !== undefined && paths.length > 1)
          throw new UsageError("--filename names one file: upload the files one at a time to rename them");
        const files = checkFiles(paths.map((path) => [path, flags.filename]));
        const body = { data_type: flags.dataType, is_directory: flags.directory ? true : undefined };
        await runUpload(portal, flags, files, async ({ client, tracker, signal, failed: stopIfAuth }) => {
          const uploaded: { file: string; id: string; size: number }[] = [];
          const failed: { file: string; error: string }[] = [];
          let only: unknown;
          await eachConcurrently(files, flags.concurrency ?? 2, signal, async (file) => {
            try {
              const { id } = await uploadFile(client, "uploadData", body, file, tracker, signal);
              tracker.done(file.index, `data ${id}`);
              uploaded.push({ file: file.path, id, size: file.size });
            } catch (error) {
              stopIfAuth(error);
              only = error;
              failed.push({ file: file.path, error: (error as Error).message });
            }
          });
          // One file: its own error, and its exit code (5 for a data type Flow refuses…).
          if (files.length === 1 && failed.length === 1) throw only;
          uploaded.sort((a, b) => paths.indexOf(a.file) - paths.indexOf(b.file));
          return {
            lines: [
              ...uploaded.map((u) => `${u.file}: data ${u.id}`),
              `${uploaded.length} uploaded, ${failed.length} failed`,
            ],
            json: { uploaded, failed, counts: { uploaded: uploaded.length, failed: failed.length } },
            failures: failed.map((f) => `failed: ${f.file}: ${f.error}`),
            exitCode: failed.length ? EXIT.runtime : EXIT.ok,
          };
        });
      },
    );

  command(
    upload,
    "sample",
    "Upload a demultiplexed sample: single-end (--reads1) or paired-end (--reads2 too)",
  )
    .requiredOption("--name <name>", "the sample's name (no spaces)")
    .addOption(new Option("--sample-type <type>", "the sample type's identifier (see list-sample-types)"))
    .addOption(new Option("--type <type>", "same as --sample-type").hideHelp())
    .requiredOption("--reads1 <file>", "the (first) reads file")
    .option("--reads2 <file>", "the second reads file of a paired-end sample")
    .option("--project <id>", "the project to add the sample to")
    .option("--organism <id>", "the organism's id, e.g. Hs")
    .option(
      "--metadata <key=value>",
      "a metadata attribute (repeatable; see list-sample-metadata-attributes)",
      collectPair,
      {},
    )
    .option("--metadata-json <json>", "metadata as a JSON object of attribute to value")
    .action(
      async (
        flags: UploadFlags & {
          name: string;
          sampleType?: string;
          type?: string;
          reads1: string;
          reads2?: string;
          project?: string;
          organism?: string;
          metadata: Record<string, string>;
          metadataJson?: string;
        },
      ) => {
        const sampleType = sampleTypeOf(flags);
        checkName(flags.name);
        const metadata = mergeMetadata(flags.metadata, flags.metadataJson);
        const files = checkFiles([[flags.reads1], ...(flags.reads2 ? [[flags.reads2] as [string]] : [])]);
        await runUpload(portal, flags, files, async ({ client, tracker, signal }) => {
          const sample = {
            name: flags.name,
            sampleType,
            project: flags.project,
            organism: flags.organism,
            metadata,
            files,
          };
          const { sampleId, dataIds } = await uploadSample(client, sample, tracker, signal);
          return {
            lines: [`sample ${sampleId} (${flags.name}): data ${dataIds.join(", ")}`],
            json: { sample_id: sampleId, name: flags.name, data_ids: dataIds },
            exitCode: EXIT.ok,
          };
        });
      },
    );

  command(
    upload,
    "multiplexed",
    "Upload multiplexed reads with their annotation sheet, for Flow to demultiplex",
  )
    .requiredOption("--reads1 <file>", "the (first) multiplexed reads file")
    .option("--reads2 <file>", "the second reads file of a paired-end run")
    .requiredOption(
      "--annotation <file>",
      "the filled-in annotation sheet (.xlsx or .csv; see get-annotation-template)",
    )
    .option("--ignore-warnings", "accept an annotation sheet with warnings (errors are always refused)")
    .action(
      async (
        flags: UploadFlags & {
          reads1: string;
          reads2?: string;
          annotation: string;
          ignoreWarnings?: boolean;
        },
      ) => {
        const files = checkFiles([
          [flags.annotation],
          [flags.reads1],
          ...(flags.reads2 ? [[flags.reads2] as [string]] : []),
        ]);
        const [annotation, ...reads] = files;
        await runUpload(portal, flags, files, async ({ client, tracker, signal }) => {
          const result = await uploadMultiplexed(
            client,
            annotation!,
            reads,
            flags.ignoreWarnings === true,
            tracker,
            signal,
          );
          for (const warning of result.warnings) process.stderr.write(`accepted warning: ${warning}\n`);
          return {
            lines: [
              `annotation ${result.annotationId}; multiplexed reads: data ${result.dataIds.join(", ")}`,
            ],
            json: { annotation_id: result.annotationId, data_ids: result.dataIds, warnings: result.warnings },
            exitCode: EXIT.ok,
          };
        });
      },
    );

  command(
    upload,
    "batch",
    "Upload many samples from a CSV sample sheet (flowbio's columns), checked in full first",
  )
    .argument("<sheet>", "the sample sheet: name,reads1,reads2,project,organism and metadata columns")
    .addOption(new Option("--sample-type <type>", "the sample type of every row (see list-sample-types)"))
    .addOption(new Option("--type <type>", "same as --sample-type").hideHelp())
    .addOption(concurrencyOption("samples at once"))
    .action(async (sheetPath: string, flags: UploadFlags & { sampleType?: string; type?: string }) => {
      const sampleType = sampleTypeOf(flags);
      if ([".xlsx", ".xls", ".tsv"].includes(extname(sheetPath).toLowerCase()))
        throw new UsageError(
          `${sheetPath}: the sample sheet must be CSV; export it from the spreadsheet as .csv`,
        );
      let text: string;
      try {
        text = await readFile(sheetPath, "utf8");
      } catch (error) {
        throw new UsageError(`cannot read the sample sheet ${sheetPath}: ${(error as Error).message}`);
      }
      const client = await makeClient(portal, flags);
      // Everything is checked, against the instance's own vocabulary, before the first byte is sent.
      const types = await client.listSampleTypes();
      const known = Array.isArray(types)
        ? types.map((t: { identifier?: unknown }) => String(t?.identifier))
        : [];
      if (!known.includes(sampleType))
        throw new UsageError(`unknown sample type "${sampleType}"; Flow has: ${known.join(", ")}`);
      const attributes = sheetAttributes(await client.listSampleMetadataAttributes(), sampleType);
      let samples;
      try {
        samples = readSampleSheet(text, dirname(resolve(sheetPath)), attributes);
      } catch (error) {
        if (error instanceof SheetError) throw new UsageError(error.message);
        throw error;
      }
      let index = 0;
      const plan = samples.map((s) => ({ ...s, files: s.files.map((f) => ({ ...f, index: index++ })) }));
      await runUpload(
        portal,
        flags,
        plan.flatMap((s) => s.files),
        async ({ tracker, signal, failed: stopIfAuth }) => {
          const uploaded: { row: number; name: string; sample_id: string; data_ids: string[] }[] = [];
          const failed: { row: number; name: string; error: string }[] = [];
          await eachConcurrently(plan, flags.concurrency ?? 2, signal, async (s) => {
            try {
              const { sampleId, dataIds } = await uploadSample(client, { ...s, sampleType }, tracker, signal);
              uploaded.push({ row: s.row, name: s.name, sample_id: sampleId, data_ids: dataIds });
            } catch (error) {
              stopIfAuth(error);
              failed.push({ row: s.row, name: s.name, error: (error as Error).message });
            }
          });
          uploaded.sort((a, b) => a.row - b.row);
          failed.sort((a, b) => a.row - b.row);
          return {
            lines: [
              ...uploaded.map((u) => `row ${u.row} (${u.name}): sample ${u.sample_id}`),
              `${uploaded.length} uploaded, ${failed.length} failed`,
            ],
            json: { uploaded, failed, counts: { uploaded: uploaded.length, failed: failed.length } },
            failures: failed.map((f) => `failed: row ${f.row} (${f.name}): ${f.error}`),
            exitCode: failed.length ? EXIT.runtime : EXIT.ok,
          };
        },
        client,
      );
    });
}

/** A subcommand with the global flags (credentials, --output, --verbose, --no-progress). */
function command(parent: Command, name: string, description: string): Command {
  return withGlobalOptions(parent.command(name).description(description));
}

function concurrencyOption(what = "files at once"): Option {
  return new Option("--concurrency <n>", what).default(2).argParser(positiveInt);
}

/** `--metadata key=value`, collected by commander (split on the first `=`, as flowbio does). */
function collectPair(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq < 1) throw new InvalidArgumentError(`takes key=value, not "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** `--metadata` pairs and `--metadata-json`, neither naming a field of the upload protocol. */
function mergeMetadata(pairs: Record<string, string>, json: string | undefined): Record<string, string> {
  let fromJson: Record<string, string> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`--metadata-json is not JSON: ${(error as Error).message}`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
      throw new UsageError("--metadata-json takes a JSON object of attribute to value");
    fromJson = Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
  }
  const both = Object.keys(pairs).filter((k) => k in fromJson);
  if (both.length)
    throw new UsageError(`metadata given by both --metadata and --metadata-json: ${both.join(", ")}`);
  const metadata = { ...pairs, ...fromJson };
  const clashing = Object.keys(metadata).filter((k) => PROTOCOL_FIELDS.has(k));
  if (clashing.length)
    throw new UsageError(
      `${clashing.join(", ")}: not metadata attributes but fields of the upload (use the flags)`,
    );
  return metadata;
}

function sampleTypeOf(flags: { sampleType?: string; type?: string }): string {
  if (flags.sampleType !== undefined && flags.type !== undefined && flags.sampleType !== flags.type)
    throw new UsageError("--type is --sample-type: give one");
  const type = flags.sampleType ?? flags.type;
  if (!type) throw new UsageError("give the sample type: --sample-type <type> (see list-sample-types)");
  return type;
}

function checkName(name: string): void {
  if (!name.trim() || /\s/.test(name))
    throw new UsageError(`the sample name "${name}" is empty or has a space (Flow refuses them)`);
}

/** Every file checked before anything is sent; all problems reported at once (exit 2). */
function checkFiles(entries: ([string] | [string, string | undefined])[]): TrackedUpload[] {
  const problems: string[] = [];
  const files: TrackedUpload[] = [];
  for (const [path, filename] of entries) {
    const checked = checkLocalFile(path, filename);
    if (typeof checked === "string") problems.push(checked);
    else files.push({ ...checked, index: files.length });
  }
  if (problems.length === 1) throw new UsageError(`${problems[0]}; nothing was uploaded`);
  if (problems.length) throw new UsageError(`nothing was uploaded:\n  ${problems.join("\n  ")}`);
  return files;
}

async function makeClient(portal: CliPortal, flags: GlobalFlags): Promise<FlowUploadClient> {
  return (await clientFor(portal, flags)) as unknown as FlowUploadClient;
}

/** What an upload command's work gets: the client, the display's tracker, the stop signal. */
interface UploadRun {
  client: FlowUploadClient;
  tracker: UploadTracker;
  signal: AbortSignal;
  /** Tells the run a file or sample failed: a refused credential stops the rest (it would fail alike). */
  failed(error: unknown): void;
}

/**
 * Runs an upload with the batch's progress display (log-update on a TTY, plain lines on a pipe,
 * none with `--no-progress`, all on stderr), Ctrl-C stopping it (exit 130), then writes the
 * outcome: lines on stdout, or one JSON document with `--output json`. A missing or refused
 * credential stops the batch at the first failure and exits 3, as `download` does.
 */
async function runUpload(
  portal: CliPortal,
  flags: UploadFlags,
  files: readonly LocalFile[],
  work: (run: UploadRun) => Promise<Outcome>,
  existing?: FlowUploadClient,
): Promise<void> {
  const client = existing ?? (await makeClient(portal, flags));
  const stop = new AbortController();
  let interrupted = false;
  let authFailure: unknown;
  const onSignal = () => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    process.stderr.write("\nstopping (Ctrl-C again to quit now)\n");
    stop.abort();
  };
  const failed = (error: unknown) => {
    if (authFailure !== undefined || exitCodeFor(error) !== EXIT.auth) return;
    authFailure = error;
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const mode = flags.progress === false ? "none" : process.stderr.isTTY ? "tty" : "lines";
  const display = createProgress(mode);
  let outcome: Outcome;
  try {
    outcome = await work({ client, tracker: trackUploads(files, display), signal: stop.signal, failed });
  } catch (error) {
    if (interrupted && error instanceof AbortError) {
      process.stderr.write("interrupted: what Flow received of an unfinished file is not a data file\n");
      process.exitCode = EXIT_INTERRUPTED;
      return;
    }
    throw error;
  } finally {
    display.finish();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (authFailure !== undefined) {
    process.stderr.write("stopped: nothing more was sent after the first refused upload\n");
    throw authFailure;
  }
  const json = flags.output === "json" || flags.output === "ndjson";
  if (json) {
    const doc = interrupted ? { ...(outcome.json as object), interrupted: true } : outcome.json;
    process.stdout.write(`${JSON.stringify(doc)}\n`);
  } else {
    // The summary line says that the run was cut short, as `download`'s does.
    const lines = [...outcome.lines];
    if (interrupted) lines.push(`interrupted: ${lines.pop()}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  // The display named each failure; without it, they are listed here.
  if (mode === "none") for (const line of outcome.failures ?? []) process.stderr.write(`${line}\n`);
  process.exitCode = interrupted ? EXIT_INTERRUPTED : outcome.exitCode;
}
