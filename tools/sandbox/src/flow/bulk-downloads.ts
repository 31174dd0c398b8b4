/** Bulk download jobs: several data files built into one tar.gz, ready after a while, then expiring. */
import { randomUUID } from "node:crypto";
import { tarGz, type TarEntry } from "./tar.js";

/** The states a job passes through, by age. */
export interface BulkTimings {
  /** Pending for this long, then running. Default 150 ms. */
  pendingMs?: number;
  /** Then running for this long, then completed. Default 450 ms. */
  runningMs?: number;
  /** Completed archives expire after this long. Default one hour. */
  expiresMs?: number;
}

export interface BulkJob {
  id: string;
  ownerId: string;
  created: number;
  entries: TarEntry[];
  archive?: Buffer;
}

/** Every job of one sandbox; the archive is built on first completion. */
export class BulkDownloads {
  readonly jobs = new Map<string, BulkJob>();
  constructor(readonly timings: Required<BulkTimings>) {}

  start(ownerId: string, entries: TarEntry[], now = Date.now()): BulkJob {
    const job: BulkJob = { id: randomUUID(), ownerId, created: now, entries };
    this.jobs.set(job.id, job);
    return job;
  }

  status(job: BulkJob, now = Date.now()): "pending" | "running" | "completed" | "expired" {
    const age = now - job.created;
    const { pendingMs, runningMs, expiresMs } = this.timings;
    if (age < pendingMs) return "pending";
    if (age < pendingMs + runningMs) return "running";
    return age < pendingMs + runningMs + expiresMs ? "completed" : "expired";
  }

  /** The job as the API shows it. */
  view(job: BulkJob, now = Date.now()) {
    const status = this.status(job, now);
    const { pendingMs, runningMs, expiresMs } = this.timings;
    const done = job.created + pendingMs + runningMs;
    const progress =
      status === "pending"
        ? 0
        : status === "running"
          ? Math.floor(((now - job.created - pendingMs) / runningMs) * 100)
          : 100;
    return {
      id: job.id,
      status,
      progress,
      ...(status === "completed" && {
        download_url: `/downloads/${job.id}`,
        expires_at: new Date(done + expiresMs).toISOString(),
      }),
    };
  }

  archive(job: BulkJob): Buffer {
    job.archive ??= tarGz(job.entries);
    return job.archive;
  }
}
