/** What every bench module gets from the runner. */
export interface BenchContext {
  /** Short run (`BENCH_QUICK=1` or `--quick`): smaller sizes, fewer rounds. */
  quick: boolean;
  /** A fresh folder under `tools/bench/work/` for this module's files; removed after the run. */
  workDir: string;
  /** The number of rounds: `BENCH_ROUNDS` / `--rounds` if given, else `full` or `quick`. */
  rounds(full: number, quick: number): number;
  /** A module option from `--name=value` or `BENCH_NAME` (upper-cased, dashes to underscores). */
  option(name: string): string | undefined;
  /** Progress for the person watching (stderr); not part of the results. */
  log(message: string): void;
}

/** One row of a result table: cell text by column name. */
export type Row = Record<string, string>;

/**
 * A result table. Modules that return a table with the same `id` add rows to it (a later
 * resumed-download module adds its row to the downloads table); columns are merged in order.
 */
export interface Table {
  id: string;
  title: string;
  /** How it was measured, in two lines. */
  method: [string, string];
  columns: string[];
  rows: Row[];
  /** Findings worth a line under the table (a missed target, a caveat). */
  notes?: string[];
}

/** A benchmark: one file in `src/benches/`, listed in `src/run.ts`. */
export interface BenchModule {
  /** Short name for `--only` / `BENCH_ONLY`. */
  name: string;
  run(context: BenchContext): Promise<Table[]>;
}
