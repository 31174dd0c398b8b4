import type { BatchProgress } from "@sciportals/core";
import type { ProgressDisplay } from "./progress.js";

/** One file of an upload batch, as the display names it. */
export interface TrackedFile {
  /** The local path, as the user gave it. */
  path: string;
  size: number;
}

/** Reports the files of an upload batch to the progress display, one call per event. */
export interface UploadTracker {
  start(index: number): void;
  /** Bytes of the file the portal has acknowledged. */
  progress(index: number, bytes: number): void;
  /** The file is uploaded; `note` says what it became (`data 123`). */
  done(index: number, note: string): void;
  failed(index: number, error: { message: string }): void;
  /** The file will not be sent (an earlier file it depends on failed). */
  skipped(index: number, reason: string): void;
}

/**
 * The batch's totals for the display that `download` uses: core's `upload()` reports one file's
 * acknowledged bytes, this adds them up over the batch (sizes are known before anything is sent).
 */
export function trackUploads(files: readonly TrackedFile[], display: ProgressDisplay): UploadTracker {
  const sent = files.map(() => 0);
  const counts = { done: 0, skipped: 0, failed: 0 };
  const total = files.reduce((n, f) => n + f.size, 0);
  const report = () => {
    const bytes = sent.reduce((n, b) => n + b, 0);
    const progress: BatchProgress = { bytes, total, transferred: bytes, files: files.length, ...counts };
    display.batch(progress);
  };
  const destination = (index: number) => files[index]!.path;
  return {
    start(index) {
      display.file({ type: "start", index, destination: destination(index) });
      report();
    },
    progress(index, bytes) {
      sent[index] = bytes;
      display.file({
        type: "progress",
        index,
        destination: destination(index),
        progress: { bytes, total: files[index]!.size },
      });
      report();
    },
    done(index, note) {
      sent[index] = files[index]!.size;
      counts.done++;
      display.file({
        type: "done",
        index,
        destination: destination(index),
        result: { size: files[index]!.size, note },
      });
      report();
    },
    failed(index, error) {
      counts.failed++;
      display.file({ type: "failed", index, destination: destination(index), error });
      report();
    },
    skipped(index, reason) {
      counts.skipped++;
      display.file({ type: "skipped", index, destination: destination(index), reason });
      report();
    },
  };
}
