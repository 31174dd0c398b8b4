import type { Row, Table } from "./types.js";

/** Merges tables that share an id: rows appended in order, columns unioned, notes kept. */
export function mergeTables(tables: readonly Table[]): Table[] {
  const byId = new Map<string, Table>();
  for (const table of tables) {
    const existing = byId.get(table.id);
    if (!existing) {
      byId.set(table.id, { ...table, columns: [...table.columns], rows: [...table.rows] });
      continue;
    }
    for (const column of table.columns) if (!existing.columns.includes(column)) existing.columns.push(column);
    existing.rows.push(...table.rows);
    if (table.notes?.length) existing.notes = [...(existing.notes ?? []), ...table.notes];
  }
  return [...byId.values()];
}

function escape(cell: string): string {
  return cell.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function markdownTable(columns: readonly string[], rows: readonly Row[]): string {
  const lines = [`| ${columns.map(escape).join(" | ")} |`, `|${columns.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${columns.map((c) => escape(row[c] ?? "")).join(" | ")} |`);
  return lines.join("\n");
}

export interface ReportHeader {
  date: string;
  facts: string[];
}

/** The whole report as markdown: a header, then per table its method, the table and its notes. */
export function renderReport(header: ReportHeader, tables: readonly Table[]): string {
  const parts = [
    "# sciportals benchmarks",
    "",
    `Run ${header.date}. ${header.facts.join(". ")}.`,
    "",
    "Figures are medians over rounds that alternate the contenders in the same run. The machine is shared " +
      "and noisy: compare the ratios within one run, not absolute figures across runs or machines.",
  ];
  for (const table of tables) {
    parts.push("", `## ${table.title}`, "", ...table.method.map((line) => `${line}  `), "");
    parts.push(markdownTable(table.columns, table.rows));
    if (table.notes?.length) parts.push("", ...table.notes.map((note) => `- ${note}`));
  }
  return `${parts.join("\n")}\n`;
}
