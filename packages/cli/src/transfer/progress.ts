import type { BatchProgress } from "@sciportals/core";
import { basename } from "node:path";
import { createLogUpdate } from "log-update";

/** How the batch's progress is shown: redrawn in place, as plain lines, or not at all. */
export type ProgressMode = "tty" | "lines" | "none";

/**
 * An event about one file of a batch, in the shape of core's `BatchFileEvent` (which downloads
 * pass as they are): `destination` is what the line names (a download's destination, an
 * upload's source file), and `result.note` what an upload created (`data 123`).
 */
export type TransferEvent =
  | { type: "start"; index: number; destination: string }
  | {
      type: "progress";
      index: number;
      destination: string;
      progress: { bytes: number; total: number | undefined };
    }
  | {
      type: "done";
      index: number;
      destination: string;
      result: { size: number; resumed?: boolean; note?: string };
    }
  | { type: "skipped"; index: number; destination: string; reason: string }
  | { type: "failed"; index: number; destination: string; error: { message: string } };

/** Receives the batch's events; `finish` leaves the last frame (or nothing) on screen. */
export interface ProgressDisplay {
  file(event: TransferEvent): void;
  batch(progress: BatchProgress): void;
  finish(): void;
}

/** What the display knows of one file in flight. */
interface Active {
  name: string;
  bytes: number;
  total: number | undefined;
}

/**
 * One display for the whole batch on `stream` (stderr, so that stdout stays for the summary):
 * a line per file in flight and a total line (files, bytes, rate, ETA), redrawn with log-update
 * at most every 100 ms on a TTY; on a pipe, a line per finished file and a total line at most
 * every `lineIntervalMs`.
 */
export function createProgress(
  mode: ProgressMode,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
  lineIntervalMs = 2000,
): ProgressDisplay {
  if (mode === "none") return { file() {}, batch() {}, finish() {} };
  const started = now();
  const active = new Map<number, Active>();
  let last: BatchProgress | undefined;
  let drawn = 0;
  const log = mode === "tty" ? createLogUpdate(stream) : undefined;
  const draw = (force = false) => {
    const t = now();
    if (!force && t - drawn < (log ? 100 : lineIntervalMs)) return;
    drawn = t;
    if (log) {
      const lines = [...active.values()].map(fileLine);
      if (last) lines.push(totalLine(last, t - started));
      log(lines.join("\n"));
    } else if (last) {
      stream.write(`${totalLine(last, t - started)}\n`);
    }
  };
  const say = (line: string) => {
    if (log) {
      // Finished files scroll above the live frame.
      log.clear();
      stream.write(`${line}\n`);
      draw(true);
    } else stream.write(`${line}\n`);
  };
  return {
    file(event) {
      const name = basename(event.destination);
      switch (event.type) {
        case "start":
          active.set(event.index, { name, bytes: 0, total: undefined });
          break;
        case "progress":
          active.set(event.index, { name, bytes: event.progress.bytes, total: event.progress.total });
          break;
        case "done":
          active.delete(event.index);
          say(
            `done     ${event.destination} (${bytes(event.result.size)}${event.result.resumed ? ", resumed" : ""}${event.result.note ? `, ${event.result.note}` : ""})`,
          );
          break;
        case "skipped":
          say(`skipped  ${event.destination} (${event.reason})`);
          break;
        case "failed":
          active.delete(event.index);
          say(`failed   ${event.destination}: ${event.error.message}`);
          break;
      }
    },
    batch(progress) {
      last = progress;
      draw();
    },
    finish() {
      if (log) {
        draw(true);
        log.done();
      } else if (last) stream.write(`${totalLine(last, now() - started)}\n`);
    },
  };
}

function fileLine(file: Active): string {
  const pct = file.total ? ` ${Math.floor((100 * file.bytes) / file.total)}%` : "";
  return `  ${file.name}  ${bytes(file.bytes)}${file.total ? ` / ${bytes(file.total)}` : ""}${pct}`;
}

/** `12/24 files · 34.5 MiB / 80.0 MiB · 12.3 MiB/s · ETA 4s` */
export function totalLine(p: BatchProgress, elapsedMs: number): string {
  const finished = p.done + p.skipped + p.failed;
  const rate = elapsedMs > 0 ? (p.transferred * 1000) / elapsedMs : 0;
  const parts = [
    `${finished}/${p.files} files${p.failed ? ` (${p.failed} failed)` : ""}`,
    `${bytes(p.bytes)}${p.total !== undefined ? ` / ${bytes(p.total)}` : ""}`,
    `${bytes(rate)}/s`,
  ];
  if (p.total !== undefined && rate > 0 && p.bytes < p.total)
    parts.push(`ETA ${duration((p.total - p.bytes) / rate)}`);
  return parts.join(" · ");
}

/** Bytes in binary units: `512 B`, `1.5 KiB`, `34.5 MiB`. */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n.toFixed(1)} ${units[i]}`;
}

function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
