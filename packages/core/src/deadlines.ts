import { TimeoutMarker } from "./response-buffer.js";

/**
 * Per-attempt time limits on one timer. A `setTimeout` and `clearTimeout` per request cost more
 * than the rest of the transport's own work in Node 20 (a Timeout object, a timer-list insert and
 * removal, a closure); a client's attempts share one timer here, set for the earliest deadline.
 */

/** One attempt's time limit; the body reader sets `stop` so that a timeout cancels its read. */
export interface Deadline {
  /** When it expires, on `performance.now()`'s clock. */
  readonly at: number;
  /** Called once on expiry (never after {@link Deadlines.clear}), with a {@link TimeoutMarker}. */
  readonly expire: (reason: TimeoutMarker) => void;
  /** Stops the body read in progress, if any: set by whoever reads it. */
  stop?: (() => void) | undefined;
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * Lets an idle timer stop holding the process open: `unref()` where timers have it (Node, Bun);
 * false elsewhere (Deno's and browsers' timers are numbers), where the caller clears it instead.
 */
function setRef(timer: Timer, held: boolean): boolean {
  const handle = timer as { ref?: () => void; unref?: () => void };
  if (typeof handle.unref !== "function") return false;
  if (held) handle.ref!();
  else handle.unref();
  return true;
}

/**
 * The deadlines of one client's attempts, served by a single timer. The timer holds a Node process
 * open only while an attempt is pending (as a `setTimeout` per attempt would), and is rescheduled
 * only when a shorter limit arrives or when it fires early for attempts that already finished.
 */
export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: Timer | undefined;
  /** When the timer fires; Infinity when none is set. */
  private timerAt = Infinity;
  private held = false;

  /**
   * Starts a time limit of `ms` milliseconds: on expiry, `expire` is called with a
   * {@link TimeoutMarker}, then the attempt's body read (if any) is stopped.
   */
  start(ms: number, expire: (reason: TimeoutMarker) => void): Deadline {
    const deadline: Deadline = { at: performance.now() + ms, expire, stop: undefined };
    this.pending.add(deadline);
    if (deadline.at < this.timerAt) this.schedule(deadline.at);
    else if (!this.held) {
      this.held = true;
      setRef(this.timer!, true);
    }
    return deadline;
  }

  /** Ends a time limit before it expires; false when it had expired already. */
  clear(deadline: Deadline): boolean {
    if (!this.pending.delete(deadline)) return false;
    if (this.pending.size === 0 && this.held) {
      this.held = false;
      // Left set but unreferenced (clearing and setting again per call is the cost this saves);
      // where a timer cannot be unreferenced, cleared, so that an idle client lets the process exit.
      if (!setRef(this.timer!, false)) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.timerAt = Infinity;
      }
    }
    return true;
  }

  private schedule(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.held = true;
    // Node fires a timer at or after its delay in whole milliseconds: round up, never early.
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(at - performance.now())));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.held = false;
    const now = performance.now();
    let next = Infinity;
    for (const deadline of this.pending) {
      if (deadline.at <= now) {
        this.pending.delete(deadline);
        // Abort first: a read cancelled before the abort would end as a (truncated) success.
        deadline.expire(new TimeoutMarker());
        deadline.stop?.();
      } else if (deadline.at < next) next = deadline.at;
    }
    if (next !== Infinity) this.schedule(next);
  }
}
