/**
 * Runs started through the API: pending ("") -> running ("-") -> OK, or ERROR when a failure was
 * armed, or CANCELED when cancelled. Driven by the clock and advanced lazily whenever a run is
 * looked at, so no timer outlives the sandbox. Process executions appear as their step starts.
 */
import type { Execution, Store } from "./store.js";

export interface ExecutionDurations {
  /** Time from submission until the run starts. Default 300 ms. */
  pendingMs?: number;
  /** Time the run takes once started (its steps share it). Default 300 ms. */
  runningMs?: number;
}

export const IN_FLIGHT = new Set(["", "-"]);
export const TERMINAL = new Set(["OK", "ERROR", "CANCELED"]);

export class ExecutionEngine {
  durations: Required<ExecutionDurations>;
  private failures: string[] = [];
  started = 0;

  constructor(
    private readonly store: Store,
    durations: ExecutionDurations,
    /** Called once when a run finishes OK: creates its outputs. */
    private readonly onSuccess: (execution: Execution) => void,
  ) {
    this.durations = { pendingMs: 300, runningMs: 300, ...durations };
  }

  /** The next started run fails (ERROR) at the end of its last step. */
  failNext(message = "Process exited with status 1"): void {
    this.failures.push(message);
  }

  /** Arms a new run: it will move along the current durations. */
  launch(execution: Execution, now = Date.now()): void {
    this.started++;
    execution.live = {
      createdMs: now,
      pendingMs: this.durations.pendingMs,
      runningMs: this.durations.runningMs,
      failWith: this.failures.shift() ?? null,
    };
    execution.status = "";
    execution.started = null;
    execution.finished = null;
    this.advance(execution, now);
  }

  advanceAll(now = Date.now()): void {
    for (const e of this.store.executions.values())
      if (e.live && IN_FLIGHT.has(e.status)) this.advance(e, now);
  }

  advance(e: Execution, now = Date.now()): Execution {
    const live = e.live;
    if (!live || !IN_FLIGHT.has(e.status)) return e;
    const startAt = live.createdMs + live.pendingMs;
    const endAt = startAt + live.runningMs;
    if (now < startAt) return e;
    if (e.status === "") {
      e.status = "-";
      e.started = startAt / 1000;
    }
    const { version } = this.store.pipelineOfExecution(e);
    const steps = version.steps;
    const slice = live.runningMs / steps.length;
    const sampleName = e.sampleId ? this.store.samples.get(e.sampleId)?.name : undefined;
    const elapsed = Math.min(now, endAt) - startAt;
    steps.forEach((step, i) => {
      if (elapsed < i * slice && now < endAt) return;
      let process = e.processes[i];
      if (!process) {
        process = {
          id: this.store.nextId("process"),
          processName: step,
          name: sampleName ? `${step} (${sampleName})` : step,
          status: "RUNNING",
        };
        e.processes.push(process);
        e.stdout += `[${process.id.slice(-2)}/${process.id}] Submitted process > ${process.name}\n`;
      }
      if (process.status === "RUNNING" && (elapsed >= (i + 1) * slice || now >= endAt)) {
        const failed = now >= endAt && live.failWith !== null && i === steps.length - 1;
        process.status = failed ? "FAILED" : "COMPLETED";
      }
    });
    if (now >= endAt) {
      e.finished = endAt / 1000;
      if (live.failWith !== null) {
        e.status = "ERROR";
        const last = steps[steps.length - 1]!;
        e.stderr += `ERROR ~ Error executing process > '${last}'\n\nCaused by:\n  ${live.failWith}\n`;
        e.stdout += `ERROR ~ Execution halted: ${live.failWith}\n`;
      } else {
        e.status = "OK";
        e.stdout += `Completed at: ${new Date(endAt).toUTCString()}\nSucceeded   : ${steps.length}\n`;
        this.onSuccess(e);
      }
    }
    return e;
  }

  /** Cancels a run in flight; false when it had already finished. */
  cancel(e: Execution, now = Date.now()): boolean {
    this.advance(e, now);
    if (!IN_FLIGHT.has(e.status)) return false;
    e.status = "CANCELED";
    e.finished = now / 1000;
    for (const process of e.processes) if (process.status === "RUNNING") process.status = "CANCELED";
    e.stdout += "WARN: Execution cancelled by the user\n";
    return true;
  }

  /** The log as the server returns it: Nextflow's output, read from a byte offset. */
  log(e: Execution, offset: number): string {
    const full = Buffer.from(e.stdout + e.stderr, "utf8");
    return full.subarray(Math.min(offset, full.length)).toString("utf8");
  }
}
