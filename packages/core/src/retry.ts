/** How a client retries failed requests. Every field is optional. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 2; 0 turns retries off. */
  maxRetries?: number | undefined;
  /** The first backoff delay in milliseconds; it doubles per retry. Default 500. */
  initialDelayMs?: number | undefined;
  /** The largest backoff delay in milliseconds. Default 8000. */
  maxDelayMs?: number | undefined;
  /**
   * The longest `Retry-After` the client will wait, in milliseconds. When a portal asks for
   * longer, the call fails at once with an error whose `retryAfterMs` carries the wait.
   * Default 60000.
   */
  maxRetryAfterMs?: number | undefined;
}

/** {@link RetryOptions} with every default filled in. */
export type RetryPolicy = Required<{ [K in keyof RetryOptions]: NonNullable<RetryOptions[K]> }>;

/** The retry policy a client uses unless its `retry` option says otherwise. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  return {
    maxRetries: options?.maxRetries ?? DEFAULT_RETRY.maxRetries,
    initialDelayMs: options?.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs,
    maxDelayMs: options?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    maxRetryAfterMs: options?.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
  };
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** Methods that may be repeated without changing the outcome (RFC 9110 §9.2.2). */
export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/** 408, 429 and 5xx, except 501 (not implemented) and 505 (version not supported), which repeat. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Reads how long the server asked us to wait, in milliseconds: `retry-after-ms`, then
 * `Retry-After` as seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers.get("retry-after");
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with jitter: `initial * 2^attempt`, capped, minus up to 25 %. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** attempt);
  return Math.round(base * (1 - 0.25 * random()));
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
