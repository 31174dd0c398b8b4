import { sleep } from "./retry.js";

/** A client-side request budget: at most `limit` requests in any window of `intervalMs`. */
export interface RateLimitOptions {
  limit: number;
  intervalMs: number;
}

/** Holds requests back so that a client stays within a portal's published budget. */
export interface RateLimiter {
  /** Resolves when one more request fits in the budget; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
}

/**
 * A sliding-window limiter: it remembers the start time of the last `limit` requests and lets a
 * new one go only when the oldest of them left the window. Exact, and O(1) per request.
 */
export function createRateLimiter(options: RateLimitOptions, now: () => number = Date.now): RateLimiter {
  const { limit, intervalMs } = options;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError("rateLimit.limit must be a positive integer");
  if (!(intervalMs > 0)) throw new RangeError("rateLimit.intervalMs must be positive");
  const starts = new Array<number>(limit).fill(-Infinity);
  let head = 0; // index of the oldest start
  let queue: Promise<void> = Promise.resolve();

  async function take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = starts[head]! + intervalMs - now();
      if (wait <= 0) break;
      await sleep(wait, signal);
    }
    starts[head] = now();
    head = (head + 1) % limit;
  }

  return {
    acquire(signal) {
      // One waiter at a time keeps the order fair and the window exact.
      const turn = queue.then(() => take(signal));
      queue = turn.catch(() => {});
      return turn;
    },
  };
}
