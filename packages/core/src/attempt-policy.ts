/**
 * What to do after one HTTP attempt: accept the answer, wait and retry, refresh the credential and
 * resend, or fail. API calls (the transport) and downloads (the file writer) both ask this one
 * function, so a rule about Retry-After, idempotency or refresh is fixed once for both paths.
 * Azure core's `retryPolicy` and openai-node's `shouldRetry` are the models.
 */
import { AbortError, type PortalError } from "./errors.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter, type RetryPolicy } from "./retry.js";

/** How one attempt ended: a response's status and headers, or a failure with no usable response. */
export type AttemptOutcome =
  | { status: number; headers: Headers; failure?: undefined }
  | {
      /** The typed error: a timeout, a reset, a body cut short, an abort. */
      failure: PortalError;
      /** True when the request cannot have reached the server (connection refused, DNS): safe to resend any method. */
      neverSent?: boolean | undefined;
      status?: undefined;
    };

/** What the caller knows about the call so far. */
export interface AttemptState {
  /** Retries already used (a caller may forgive retries after progress, as downloads do). */
  retries: number;
  maxRetries: number;
  /** The method (or the spec) says a repeat cannot change the outcome. */
  idempotent: boolean;
  /** A credential refresh is available and has not been used up. */
  canRefresh: boolean;
  /** Statuses that mean "the credential expired": 401, and 403 for a pre-signed URL. */
  refreshOn?: readonly number[] | undefined;
}

/** The decision. `fail` on a response means: hand it over as an error (the caller builds it). */
export type Verdict =
  | { action: "accept" }
  | { action: "refresh" }
  | { action: "retry"; waitMs: number }
  | { action: "fail"; retryAfterMs?: number | undefined };

/**
 * Decides the next step after an attempt. Retries: network failures, timeouts and bodies cut
 * short when the call is idempotent (or never reached the server); 408, 429 and 5xx but 501/505
 * when idempotent, waiting `Retry-After` when given (beyond `maxRetryAfterMs`, fail at once with
 * the wait) or else exponential backoff with jitter. A refresh status refreshes once, when allowed.
 */
export function judgeAttempt(outcome: AttemptOutcome, state: AttemptState, policy: RetryPolicy): Verdict {
  const left = state.retries < state.maxRetries;
  if (outcome.failure) {
    if (outcome.failure instanceof AbortError) return { action: "fail" };
    if (left && (state.idempotent || outcome.neverSent)) {
      return { action: "retry", waitMs: backoffDelay(state.retries, policy) };
    }
    return { action: "fail" };
  }
  const { status, headers } = outcome;
  if ((state.refreshOn ?? [401]).includes(status)) {
    return state.canRefresh ? { action: "refresh" } : { action: "fail" };
  }
  if (!isRetryableStatus(status)) return status >= 400 ? { action: "fail" } : { action: "accept" };
  const retryAfterMs = parseRetryAfter(headers);
  // Waiting longer than allowed is worse than failing now with the wait in the error.
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs)
    return { action: "fail", retryAfterMs };
  if (!left || !state.idempotent) return { action: "fail", retryAfterMs };
  return { action: "retry", waitMs: retryAfterMs ?? backoffDelay(state.retries, policy) };
}
