import { BadRequestError, UploadError, type UploadOptions, type UploadResult } from "@sciportals/core";
import type { UploadTracker } from "../transfer/upload-tracker.js";
import type { LocalFile } from "./local-file.js";

/** The parts of the Flow client the upload commands use. */
export interface FlowUploadClient {
  upload(
    operationId: string,
    input: { body?: Record<string, unknown> },
    source: string,
    options?: UploadOptions,
  ): Promise<UploadResult>;
  listSampleMetadataAttributes(): Promise<unknown>;
  listSampleTypes(): Promise<unknown>;
}

/** A file of a batch: the local file and its place in the progress display. */
export interface TrackedUpload extends LocalFile {
  index: number;
}

/** Form fields the upload protocol fills itself: a metadata attribute may not take their names. */
export const PROTOCOL_FIELDS = new Set([
  "blob",
  "filename",
  "expected_file_size",
  "is_last",
  "data",
  "sample_name",
  "sample_type",
  "project",
  "organism",
  "is_last_sample",
  "previous_data",
]);

/**
 * Uploads one file with core's chunked `upload()` (1,000,000-byte chunks from the spec, each
 * retried on 5xx, 429 and cut connections, a token refreshed on 401), reporting to the tracker.
 * Resolves to the new data file's id.
 */
export async function uploadFile(
  client: FlowUploadClient,
  operationId: string,
  body: Record<string, unknown>,
  file: TrackedUpload,
  tracker: UploadTracker,
  signal: AbortSignal,
  { reportFailure = true } = {},
): Promise<{ id: string; response: Record<string, unknown> }> {
  tracker.start(file.index);
  try {
    const result = await client.upload(operationId, { body }, file.path, {
      filename: file.filename,
      signal,
      onProgress: (p) => tracker.progress(file.index, p.bytes),
    });
    if (result.uploadId === undefined) throw new Error(`Flow returned no id for ${file.filename}`);
    return { id: result.uploadId, response: (result.response ?? {}) as Record<string, unknown> };
  } catch (error) {
    const reason = reasonOf(error);
    if (reportFailure) tracker.failed(file.index, reason);
    throw reason;
  }
}

/**
 * What went wrong, for a person: core's `UploadError` tells a library user how to resume
 * (`resumeFrom`); the CLI says what the portal said (the cause keeps its class, for the exit code).
 */
export function reasonOf(error: unknown): Error {
  if (error instanceof UploadError && error.cause instanceof Error) return error.cause;
  return error instanceof Error ? error : new Error(String(error));
}

/** A demultiplexed sample: its fields and its files (reads1, then reads2 for paired-end). */
export interface SampleUpload {
  name: string;
  sampleType: string;
  project?: string | undefined;
  organism?: string | undefined;
  metadata: Record<string, string>;
  files: TrackedUpload[];
}

/**
 * Uploads a sample as Flow's `/upload/sample` takes it (and flowbio sends it): file by file,
 * every chunk carrying the sample's fields and metadata, `is_last_sample` on the last file and
 * the earlier files' ids in `previous_data`; the last chunk of the last file creates the sample.
 */
export async function uploadSample(
  client: FlowUploadClient,
  sample: SampleUpload,
  tracker: UploadTracker,
  signal: AbortSignal,
): Promise<{ sampleId: string; dataIds: string[] }> {
  const dataIds: string[] = [];
  let response: Record<string, unknown> = {};
  for (const [i, file] of sample.files.entries()) {
    const body: Record<string, unknown> = {
      ...sample.metadata,
      sample_name: sample.name,
      sample_type: sample.sampleType,
      project: sample.project,
      organism: sample.organism,
      is_last_sample: i === sample.files.length - 1,
      previous_data: dataIds.length ? [...dataIds] : undefined,
    };
    let uploaded;
    try {
      uploaded = await uploadFile(client, "uploadSample", body, file, tracker, signal);
    } catch (error) {
      for (const later of sample.files.slice(i + 1))
        tracker.skipped(later.index, `not sent: ${file.filename} failed`);
      throw error;
    }
    dataIds.push(uploaded.id);
    response = uploaded.response;
    tracker.done(
      file.index,
      i === sample.files.length - 1
        ? `data ${uploaded.id}, sample ${String(response.sample_id)}`
        : `data ${uploaded.id}`,
    );
  }
  const sampleId = response.sample_id;
  if (sampleId === undefined || sampleId === null)
    throw new Error(`Flow created no sample for ${sample.name} (its last file got no sample_id)`);
  return { sampleId: String(sampleId), dataIds };
}

/** One issue of an annotation sheet, as Flow reports it (`{row, column, message}`). */
export interface AnnotationIssue {
  row?: unknown;
  column?: unknown;
  message?: unknown;
}

/** The annotation sheet was refused: `validation` (errors to fix) or `warnings` (to accept or fix). */
export class AnnotationRefused extends BadRequestError {
  constructor(
    readonly kind: "validation" | "warnings",
    readonly issues: AnnotationIssue[],
  ) {
    super(
      kind === "validation"
        ? `Flow refused the annotation sheet (${issues.length} error${issues.length === 1 ? "" : "s"}); nothing else was uploaded:\n  ${issues.map(formatIssue).join("\n  ")}`
        : `the annotation sheet has ${issues.length} warning${issues.length === 1 ? "" : "s"}; nothing else was uploaded. Fix them, or accept them with --ignore-warnings:\n  ${issues.map(formatIssue).join("\n  ")}`,
      {
        status: 400,
        code: kind === "validation" ? "annotation_invalid" : "annotation_warnings",
        details: { [kind]: issues },
      },
    );
  }
}

/** `row 3, sample_name: Sample name is required` */
export function formatIssue(issue: AnnotationIssue): string {
  const where = [
    issue.row !== undefined ? `row ${String(issue.row)}` : "",
    issue.column ? String(issue.column) : "",
  ]
    .filter(Boolean)
    .join(", ");
  const message = typeof issue.message === "string" ? issue.message : JSON.stringify(issue);
  return where ? `${where}: ${message}` : message;
}

/** The `validation` or `warnings` list of a refused annotation upload, if that is what the error is. */
function annotationIssues(
  error: unknown,
): { kind: "validation" | "warnings"; issues: AnnotationIssue[] } | undefined {
  if (!(error instanceof BadRequestError) || !error.details || typeof error.details !== "object")
    return undefined;
  const details = error.details as Record<string, unknown>;
  for (const kind of ["validation", "warnings"] as const)
    if (Array.isArray(details[kind])) return { kind, issues: details[kind] as AnnotationIssue[] };
  return undefined;
}

/** What a multiplexed upload created. */
export interface MultiplexedResult {
  annotationId: string;
  dataIds: string[];
  /** Warnings the sheet had, accepted with `--ignore-warnings`. */
  warnings: string[];
}

/**
 * Multiplexed reads with their annotation sheet, in the spec's order: the sheet first, so that a
 * bad sheet fails before gigabytes of reads are sent. Validation errors fail; warnings fail
 * unless `ignoreWarnings`, in which case the sheet is sent again with `ignore_warnings=true` (it
 * is small) and the warnings are returned. Then reads1, and reads2 naming reads1's id.
 */
export async function uploadMultiplexed(
  client: FlowUploadClient,
  annotation: TrackedUpload,
  reads: TrackedUpload[],
  ignoreWarnings: boolean,
  tracker: UploadTracker,
  signal: AbortSignal,
): Promise<MultiplexedResult> {
  let warnings: string[] = [];
  let sheet: { id: string };
  try {
    sheet = await uploadFile(
      client,
      "uploadAnnotation",
      { ignore_warnings: false },
      annotation,
      tracker,
      signal,
      {
        reportFailure: false,
      },
    );
  } catch (error) {
    const refused = annotationIssues(error);
    if (!refused || refused.kind === "validation" || !ignoreWarnings) {
      const reason = refused ? new AnnotationRefused(refused.kind, refused.issues) : (error as Error);
      tracker.failed(annotation.index, refused ? { message: `refused (${refused.kind})` } : reason);
      for (const file of reads) tracker.skipped(file.index, "not sent: the annotation sheet was refused");
      throw reason;
    }
    warnings = refused.issues.map(formatIssue);
    sheet = await uploadFile(
      client,
      "uploadAnnotation",
      { ignore_warnings: true },
      annotation,
      tracker,
      signal,
    );
  }
  tracker.done(annotation.index, `annotation ${sheet.id}`);
  const dataIds: string[] = [];
  for (const [i, file] of reads.entries()) {
    const body = dataIds.length ? { reads1: dataIds[0] } : {};
    let uploaded;
    try {
      uploaded = await uploadFile(client, "uploadMultiplexed", body, file, tracker, signal);
    } catch (error) {
      for (const later of reads.slice(i + 1))
        tracker.skipped(later.index, `not sent: ${file.filename} failed`);
      throw error;
    }
    dataIds.push(uploaded.id);
    tracker.done(file.index, `data ${uploaded.id}`);
  }
  return { annotationId: sheet.id, dataIds, warnings };
}
