import { callOperation } from "./base.js";
import { AbortError, PortalError } from "./errors.js";
import type { OperationMeta, RawInput, WaiterMeta } from "./operation.js";
import { resolveOperation, WAITABLE } from "./resolve-operation.js";
import { scrubError } from "./secrets.js";
import { getPath } from "./path.js";
import { sleep } from "./retry.js";

/** Options for `client.waitFor()`. */
export interface WaitOptions {
  /** Give up after this long, in milliseconds. Default 30 minutes. */
  maxWaitMs?: number | undefined;
  /** Stops waiting (and any poll in flight). */
  signal?: AbortSignal | undefined;
  /** First delay between polls in milliseconds; default from the spec, else 1000. */
  minDelayMs?: number | undefined;
  /** Largest delay between polls in milliseconds; default from the spec, else 30000. */
  maxDelayMs?: number | undefined;
  /** Called with every poll's result, e.g. to show progress. */
  onPoll?: ((result: any, state: string | undefined) => void) | undefined;
}

/** A waiter stopped before success: the job failed, or it took too long. */
export class WaiterError extends PortalError {
  /** The state the job was last seen in. */
  readonly state: string | undefined;
  /** The last poll's result. */
  readonly lastResult: unknown;
  constructor(
    message: string,
    init: ConstructorParameters<typeof PortalError>[1] & { state?: string | undefined; lastResult?: unknown },
  ) {
    super(message, init);
    this.state = init?.state;
    this.lastResult = init?.lastResult;
  }
}

/**
 * Polls an operation the spec marks with `x-sciportals-waiter` until its state is terminal:
 * resolves with the result on success, throws a {@link WaiterError} on a failure state or when
 * `maxWaitMs` passes, and an {@link AbortError} when aborted. Delays grow by half each poll,
 * with jitter, from the minimum to the maximum. Generated clients expose it as `client.waitFor()`.
 */
export async function waitFor(
  client: object,
  operationId: string,
  input: RawInput = {},
  options: WaitOptions = {},
): Promise<any> {
  const { meta, portal, state } = resolveOperation(client, operationId, WAITABLE);
  try {
    return await poll(client, meta, portal, input, options);
  } catch (error) {
    // A job's result may echo a credential: the error's lastResult is scrubbed with the rest.
    throw scrubError(error, state.secrets);
  }
}

async function poll(
  client: object,
  meta: OperationMeta & { waiter: WaiterMeta },
  portal: string,
  input: RawInput,
  options: WaitOptions,
): Promise<any> {
  const operationId = meta.id;
  const waiter = meta.waiter;
  const maxWaitMs = options.maxWaitMs ?? 30 * 60_000;
  const minDelay = options.minDelayMs ?? (waiter.minDelay ?? 1) * 1000;
  const maxDelay = Math.max(minDelay, options.maxDelayMs ?? (waiter.maxDelay ?? 30) * 1000);
  const signal = options.signal ?? input.signal;
  const deadline = Date.now() + maxWaitMs;
  const context = { portal, operationId };
  let delay = minDelay;
  for (let polls = 1; ; polls++) {
    const result = await callOperation(client, meta, { ...input, signal });
    const raw = getPath(result, waiter.status);
    const state = raw === undefined || raw === null ? undefined : String(raw);
    options.onPoll?.(result, state);
    if (state !== undefined && waiter.success.includes(state)) return result;
    if (state !== undefined && waiter.failure.includes(state)) {
      throw new WaiterError(`${portal}: ${operationId} reached the failure state ${state}`, {
        ...context,
        code: "failed_state",
        state,
        lastResult: result,
        details: result,
      });
    }
    const wait = Math.min(delay, maxDelay) * (0.8 + 0.4 * Math.random());
    if (Date.now() + wait > deadline) {
      throw new WaiterError(
        `${portal}: ${operationId} was still ${state === undefined || state === "" ? "pending" : state} after ${Math.round(maxWaitMs / 1000)} s (${polls} polls); raise maxWaitMs to wait longer`,
        { ...context, code: "wait_timeout", state, lastResult: result, details: result },
      );
    }
    try {
      await sleep(wait, signal);
    } catch {
      throw new AbortError(`${portal}: waiting on ${operationId} was aborted`, {
        ...context,
        code: "aborted",
        cause: signal?.reason,
      });
    }
    delay = Math.min(delay * 1.5, maxDelay);
  }
}
