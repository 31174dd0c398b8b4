/**
 * Import jobs: STARTING -> RUNNING -> COMPLETED (or FAILED), advanced lazily from the clock, so
 * no timers outlive the sandbox. Stopping goes through STOPPING to STOPPED; a FAILED or STOPPED
 * job can be restarted and runs the whole timeline again.
 */

export type JobStatus =
  "COMPLETED" | "STARTING" | "RUNNING" | "STOPPING" | "STOPPED" | "FAILED" | "ABANDONED" | "UNKNOWN";

export interface JobDurations {
  /** Time in STARTING before RUNNING. Default 300 ms. */
  startingMs?: number;
  /** Time in RUNNING before COMPLETED or FAILED. Default 300 ms. */
  runningMs?: number;
  /** Time in STOPPING before STOPPED. Default 300 ms. */
  stoppingMs?: number;
}

export interface JobError {
  stage: string;
  stack: { type: string; message: string }[];
}

/** What a job does when it completes: its result, or an error that fails it. */
export type JobEffect = () => { result: Record<string, unknown> } | { error: JobError };

export interface Job {
  jobExecId: number;
  jobName: string;
  startedBy: string;
  status: JobStatus;
  createTime: Date;
  endTime?: Date;
  /** When the current status began. */
  since: number;
  result?: Record<string, unknown>;
  errors?: JobError[];
  /** Set by failNext(): the job fails at the end of RUNNING instead of completing. */
  failWith?: JobError;
  effect: JobEffect;
}

export class JobEngine {
  readonly jobs = new Map<number, Job>();
  private nextId = 1001;
  private pendingFailures: JobError[] = [];
  durations: Required<JobDurations>;

  constructor(durations: JobDurations = {}) {
    this.durations = { startingMs: 300, runningMs: 300, stoppingMs: 300, ...durations };
  }

  /** The next started job fails (at the end of RUNNING) with this message. */
  failNext(message = "Import failed: the data file could not be parsed"): void {
    this.pendingFailures.push({
      stage: "IMPORT",
      stack: [{ type: "DataParsingException", message }],
    });
  }

  start(jobName: string, startedBy: string, effect: JobEffect, now = Date.now()): Job {
    const job: Job = {
      jobExecId: this.nextId++,
      jobName,
      startedBy,
      status: "STARTING",
      createTime: new Date(now),
      since: now,
      effect,
    };
    const failure = this.pendingFailures.shift();
    if (failure) job.failWith = failure;
    this.jobs.set(job.jobExecId, job);
    return job;
  }

  /** Moves every job along its timeline up to `now`. */
  advanceAll(now = Date.now()): void {
    for (const job of this.jobs.values()) this.advance(job, now);
  }

  advance(job: Job, now = Date.now()): Job {
    for (;;) {
      const elapsed = now - job.since;
      if (job.status === "STARTING" && elapsed >= this.durations.startingMs) {
        job.status = "RUNNING";
        job.since += this.durations.startingMs;
      } else if (job.status === "RUNNING" && elapsed >= this.durations.runningMs) {
        job.since += this.durations.runningMs;
        const failure = job.failWith;
        delete job.failWith;
        const outcome = failure ? { error: failure } : job.effect();
        if ("error" in outcome) {
          job.status = "FAILED";
          job.errors = [outcome.error];
        } else {
          job.status = "COMPLETED";
          job.result = outcome.result;
        }
        job.endTime = new Date(job.since);
      } else if (job.status === "STOPPING" && elapsed >= this.durations.stoppingMs) {
        job.since += this.durations.stoppingMs;
        job.status = "STOPPED";
        job.endTime = new Date(job.since);
      } else return job;
    }
  }

  stop(job: Job, now = Date.now()): Job {
    this.advance(job, now);
    if (job.status === "STARTING" || job.status === "RUNNING") {
      job.status = "STOPPING";
      job.since = now;
    }
    return job;
  }

  restart(job: Job, now = Date.now()): Job {
    this.advance(job, now);
    if (job.status === "FAILED" || job.status === "STOPPED") {
      job.status = "STARTING";
      job.since = now;
      delete job.endTime;
      delete job.errors;
    }
    return job;
  }

  info(job: Job) {
    const info: Record<string, unknown> = {
      jobExecId: job.jobExecId,
      jobName: job.jobName,
      startedBy: job.startedBy,
      status: job.status,
      createTime: job.createTime.toISOString(),
    };
    if (job.endTime) info.endTime = job.endTime.toISOString();
    return info;
  }

  output(job: Job) {
    const output: Record<string, unknown> = { status: job.status };
    if (job.status === "COMPLETED" && job.result) output.result = job.result;
    if (job.status === "FAILED" && job.errors) output.errors = job.errors;
    return output;
  }
}
