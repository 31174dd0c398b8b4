import { isAbsolute, resolve } from "node:path";
import { parseCsv } from "./csv.js";
import { checkLocalFile, type LocalFile } from "./local-file.js";

/** The columns flowbio's sample sheet gives meaning to; every other column is a metadata attribute. */
export const RESERVED_COLUMNS = ["name", "reads1", "reads2", "project", "organism"] as const;
/** `<attribute>__annotation`: free text beside an attribute's value (flowbio's sheet has it too). */
export const ANNOTATION_SUFFIX = "__annotation";

/** What the sheet needs to know of an instance's metadata attribute (`listSampleMetadataAttributes`). */
export interface SheetAttribute {
  identifier: string;
  /** Required for every sample, or for samples of the batch's type. */
  required: boolean;
  allowAnnotation: boolean;
}

/** One sample of the sheet, its files resolved against the sheet's folder and checked. */
export interface SheetSample {
  /** The data row's number: 1 is the first row under the header, as flowbio numbers them. */
  row: number;
  name: string;
  files: LocalFile[];
  project?: string | undefined;
  organism?: string | undefined;
  /** Non-empty metadata cells, by attribute identifier. */
  metadata: Record<string, string>;
}

/** A sheet that failed validation: every problem, one line each, so the user can fix them at once. */
export class SheetError extends Error {
  override name = "SheetError";
  constructor(readonly problems: string[]) {
    super(
      `the sample sheet has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was uploaded:\n  ${problems.join("\n  ")}`,
    );
  }
}

/** The attributes of `listSampleMetadataAttributes`, required-ness decided for one sample type. */
export function sheetAttributes(listed: unknown, sampleType: string): SheetAttribute[] {
  if (!Array.isArray(listed)) return [];
  return listed.flatMap((a: Record<string, unknown>) => {
    if (!a || typeof a.identifier !== "string") return [];
    const links = Array.isArray(a.sample_type_links)
      ? (a.sample_type_links as Record<string, unknown>[])
      : [];
    const requiredForType = links.some(
      (l) => l?.sample_type_identifier === sampleType && l.required === true,
    );
    return [
      {
        identifier: a.identifier,
        required: a.required === true || requiredForType,
        allowAnnotation: a.allow_annotation === true,
      },
    ];
  });
}

/**
 * Reads a sample sheet (CSV, one sample a row, flowbio's columns: `name`, `reads1`, `reads2`,
 * `project`, `organism`, then metadata attribute identifiers) and checks all of it before
 * anything is sent: unknown or repeated columns, rows longer than the header, empty required
 * fields (name, reads1, required attributes), names with spaces, and files that are missing, not
 * files, or named with spaces. Relative paths are resolved against the sheet's folder. Throws a
 * {@link SheetError} listing every problem.
 */
export function readSampleSheet(
  text: string,
  sheetDir: string,
  attributes: readonly SheetAttribute[],
): SheetSample[] {
  const problems: string[] = [];
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    throw new SheetError([(error as Error).message]);
  }
  const [header, ...rows] = records;
  if (!header)
    throw new SheetError(["the sheet is empty: it needs a header row (name,reads1,…) and a row per sample"]);
  const columns = header.cells.map((c) => c.trim());
  const known = new Map(attributes.map((a) => [a.identifier, a]));
  const seen = new Set<string>();
  columns.forEach((column, i) => {
    if (column === "") problems.push(`column ${i + 1} has no name`);
    else if (seen.has(column)) problems.push(`column ${column} appears twice`);
    seen.add(column);
    if (column === "" || (RESERVED_COLUMNS as readonly string[]).includes(column) || known.has(column))
      return;
    const base = column.endsWith(ANNOTATION_SUFFIX) ? column.slice(0, -ANNOTATION_SUFFIX.length) : undefined;
    if (base !== undefined && known.get(base)?.allowAnnotation) return;
    problems.push(
      base !== undefined && known.has(base)
        ? `column ${column}: ${base} takes no annotation`
        : `unknown column ${column}: not one of ${RESERVED_COLUMNS.join(", ")} nor a metadata attribute (${[...known.keys()].join(", ")})`,
    );
  });
  for (const required of ["name", "reads1"]) {
    if (!columns.includes(required)) problems.push(`the sheet has no ${required} column`);
  }
  if (rows.length === 0) problems.push("the sheet has no sample rows");
  const samples: SheetSample[] = [];
  rows.forEach((record, i) => {
    const row = i + 1;
    const cells: Record<string, string> = {};
    // A repeated column (reported above) does not overwrite the first.
    columns.forEach((column, c) => (cells[column] ??= (record.cells[c] ?? "").trim()));
    const name = cells.name ?? "";
    const where = `row ${row}${name ? ` (${name})` : ""}, line ${record.line}`;
    const rowProblems: string[] = [];
    if (
      record.cells.length > columns.length &&
      record.cells.slice(columns.length).some((c) => c.trim() !== "")
    )
      rowProblems.push(`${record.cells.length} cells for ${columns.length} columns`);
    if (!name) rowProblems.push("name is empty");
    else if (/\s/.test(name)) rowProblems.push(`the name "${name}" has a space (Flow refuses them)`);
    const files: LocalFile[] = [];
    for (const column of ["reads1", "reads2"]) {
      const value = cells[column];
      if (!value) {
        if (column === "reads1") rowProblems.push("reads1 is empty");
        continue;
      }
      const path = isAbsolute(value) ? value : resolve(sheetDir, value);
      const checked = checkLocalFile(path);
      if (typeof checked === "string") rowProblems.push(`${column}: ${checked}`);
      else files.push(checked);
    }
    const metadata: Record<string, string> = {};
    for (const column of columns) {
      if ((RESERVED_COLUMNS as readonly string[]).includes(column) || !cells[column]) continue;
      metadata[column] = cells[column]!;
    }
    for (const attribute of attributes) {
      if (attribute.required && !metadata[attribute.identifier])
        rowProblems.push(`${attribute.identifier} is empty (required for this sample type)`);
    }
    for (const p of rowProblems) problems.push(`${where}: ${p}`);
    samples.push({
      row,
      name,
      files,
      project: cells.project || undefined,
      organism: cells.organism || undefined,
      metadata,
    });
  });
  if (problems.length) throw new SheetError(problems);
  return samples;
}
