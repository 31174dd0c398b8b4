/** One record of a CSV file and the line it starts on (1-based, the header being line 1). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * Parses CSV as spreadsheets export it (RFC 4180): comma-separated, `"` quotes a cell (`""` is
 * a quote inside it, and a quoted cell may span lines), CRLF or LF line ends, a leading UTF-8 BOM
 * ignored. Blank lines are dropped. Throws on a quote left open.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0]!.trim() !== "") records.push({ line: start, cells });
    cells = [];
    cell = "";
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === "") {
      cell = "";
      quoted = true;
    } else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && source[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else cell += ch;
  }
  if (quoted) throw new Error(`a quoted cell that starts on line ${start} is never closed`);
  if (cell !== "" || cells.length > 0) endRecord();
  return records;
}
