/** How results are written: `table` for people, `json` (one document), `ndjson` (one item a line). */
export type OutputFormat = "table" | "json" | "ndjson";

/** The format when `--output` is not given: a table on a terminal, JSON into a pipe. */
export function defaultFormat(): OutputFormat {
  return process.stdout.isTTY ? "table" : "json";
}

/** Writes to stdout, waiting when the pipe is full, so a long `--all` run holds constant memory. */
export function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(text)) resolve();
    else {
      const onError = (error: Error) => reject(error);
      process.stdout.once("error", onError);
      process.stdout.once("drain", () => {
        process.stdout.off("error", onError);
        resolve();
      });
    }
  });
}

const MAX_COLUMNS = 6;
const MAX_WIDTH = 40;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  const line = text.replace(/\s+/g, " ");
  return line.length > MAX_WIDTH ? `${line.slice(0, MAX_WIDTH - 1)}…` : line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The columns of a table: the first item's scalar fields, at most {@link MAX_COLUMNS}. */
function columnsOf(rows: readonly unknown[]): string[] {
  const first = rows.find(isRecord);
  if (!first) return [];
  const scalar = Object.keys(first).filter((k) => first[k] === null || typeof first[k] !== "object");
  return (scalar.length ? scalar : Object.keys(first)).slice(0, MAX_COLUMNS);
}

/** A table printer that fixes its columns and widths on the first rows, then streams. */
export class TableWriter {
  private columns: string[] | undefined;
  private widths: number[] = [];

  /** Writes rows; the first call prints the header. */
  async rows(rows: readonly unknown[]): Promise<void> {
    if (rows.length === 0) return;
    if (!this.columns) {
      this.columns = columnsOf(rows);
      this.widths = this.columns.map((c) =>
        Math.max(c.length, ...rows.map((r) => (isRecord(r) ? cell(r[c]).length : 0))),
      );
      if (this.columns.length) await write(`${this.line(this.columns.map((c) => c.toUpperCase()))}\n`);
    }
    const columns = this.columns;
    let text = "";
    for (const row of rows)
      text +=
        columns.length && isRecord(row)
          ? `${this.line(columns.map((c) => cell(row[c])))}\n`
          : `${cell(row)}\n`;
    await write(text);
  }

  private line(cells: string[]): string {
    return cells
      .map((c, i) => c.padEnd(this.widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  }
}

/** A summary of one object for people: `key: value` lines. */
function summary(value: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  return Object.entries(value)
    .map(
      ([k, v]) =>
        `${k.padEnd(width)}  ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`,
    )
    .join("\n");
}

/**
 * Writes one result. `items` is the page's item array of a paginated operation: a table shows
 * it, ndjson writes it a line each; json writes the whole result.
 */
export async function writeResult(
  result: unknown,
  format: OutputFormat,
  items?: readonly unknown[],
): Promise<void> {
  if (format === "json") return write(`${JSON.stringify(result, null, 2)}\n`);
  const list = items ?? (Array.isArray(result) ? result : undefined);
  if (format === "ndjson") {
    if (list) {
      for (const item of list) await write(`${JSON.stringify(item)}\n`);
      return;
    }
    return write(`${JSON.stringify(result)}\n`);
  }
  if (list) return new TableWriter().rows(list);
  if (isRecord(result)) return write(`${summary(result)}\n`);
  if (result === undefined || result === null) return;
  return write(`${typeof result === "string" ? result : JSON.stringify(result, null, 2)}\n`);
}

/** Streams the items of every page: ndjson a line each, json as one array written as it goes. */
export async function writeStream(items: AsyncIterable<unknown>, format: OutputFormat): Promise<number> {
  let count = 0;
  if (format === "ndjson") {
    for await (const item of items) {
      await write(`${JSON.stringify(item)}\n`);
      count++;
    }
    return count;
  }
  if (format === "json") {
    await write("[");
    for await (const item of items) await write(`${count++ === 0 ? "\n" : ",\n"}  ${JSON.stringify(item)}`);
    await write(count ? "\n]\n" : "]\n");
    return count;
  }
  const table = new TableWriter();
  let batch: unknown[] = [];
  for await (const item of items) {
    batch.push(item);
    count++;
    // Widths come from the first 50 rows; after that rows go out in small batches.
    if (batch.length >= 50) {
      await table.rows(batch);
      batch = [];
    }
  }
  await table.rows(batch);
  return count;
}

/** The value at a dotted path (`data.items`); the value itself for "". */
export function at(value: unknown, path: string): unknown {
  if (!path) return value;
  let current = value;
  for (const part of path.split(".")) current = isRecord(current) ? current[part] : undefined;
  return current;
}
