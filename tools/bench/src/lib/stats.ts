/** The median (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function min(values: readonly number[]): number {
  return values.length ? Math.min(...values) : NaN;
}

export function max(values: readonly number[]): number {
  return values.length ? Math.max(...values) : NaN;
}

/** `12,345` style, no decimals. */
export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
}

/** A number with `digits` decimals. */
export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** `lo–hi` with the given formatter. */
export function range(values: readonly number[], format: (v: number) => string): string {
  return `${format(min(values))}–${format(max(values))}`;
}

export const MiB = 1024 * 1024;

/** `64 MiB`, `1 GiB`, `1.5 GiB`. */
export function size(bytes: number): string {
  if (bytes >= 1024 * MiB) return `${+(bytes / (1024 * MiB)).toFixed(2)} GiB`;
  return `${+(bytes / MiB).toFixed(2)} MiB`;
}
