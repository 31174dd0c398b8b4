/**
 * The logger a client writes its request lines to, and the one `SCIPORTALS_LOG` turns on.
 *
 * Lines are logfmt (`key=value`, values with spaces quoted) so that they stay one line each and
 * can be grepped or parsed; the caller scrubs them of secrets before they get here.
 */

/** Any logger with the four usual levels: `console`, pino, winston, bunyan and the like. */
export interface Logger {
  /** Every request. */
  debug(message: string): void;
  /** Retries. */
  info(message: string): void;
  /** Requests a call fails with; hooks that threw. */
  warn(message: string): void;
  /** Not used by the client today; part of the shape so that any logger fits. */
  error(message: string): void;
}

/** A level a line is written at. */
export type LogLevel = "debug" | "info" | "warn";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2 };

/** The level named by `SCIPORTALS_LOG` (`debug`, `info`, `warn`, any case), or undefined. */
export function logLevelFrom(value: string | undefined): LogLevel | undefined {
  const level = value?.trim().toLowerCase();
  return level === "debug" || level === "info" || level === "warn" ? level : undefined;
}

/**
 * A console logger that writes lines at `level` and above. Every line goes to stderr
 * (`console.error`): stdout belongs to the program (a CLI's JSON output must stay parseable), and
 * the level is in the line itself.
 */
export function consoleLogger(level: LogLevel): Logger {
  const at = (line: LogLevel) => (message: string) => {
    if (RANK[line] >= RANK[level]) console.error(message);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("warn") };
}

/** One logfmt line: `sciportals level=info event=retry key=value …`; undefined values are left out. */
export function logfmt(level: LogLevel, fields: Record<string, string | number | undefined>): string {
  let line = `sciportals level=${level}`;
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    const text = String(value);
    line += ` ${key}=${/^[\w./{}:@+-]+$/.test(text) ? text : JSON.stringify(text)}`;
  }
  return line;
}
