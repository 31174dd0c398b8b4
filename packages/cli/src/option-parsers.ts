import { InvalidArgumentError } from "commander";

/** Parses a count flag such as `--concurrency`: a whole number of 1 or more, else a usage error (exit 2). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of 1 or more");
  return n;
}
