import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "./spec-router.js";

/** Which requests a fault applies to; all when absent. */
export type Match = (req: IncomingMessage) => boolean;

export interface FailFault {
  status: number;
  /** Seconds, or an HTTP date string, for the Retry-After header. */
  retryAfter?: number | string;
  body?: unknown;
  match?: Match;
  /** Drop the connection without answering, instead of an HTTP status. */
  reset?: boolean;
}

/**
 * Fault injection shared by every sandbox server: fail the next N matching requests with a
 * status (or a reset connection), delay them, or cut a download after some bytes.
 */
export class Faults {
  private failures: (FailFault & { remaining: number })[] = [];
  private cuts: { afterBytes: number; remaining: number; match?: Match | undefined }[] = [];
  private delays: { ms: number; remaining: number; match?: Match | undefined }[] = [];

  /** The next `count` matching requests get `fault` instead of an answer. */
  failNext(count: number, fault: FailFault): this {
    this.failures.push({ ...fault, remaining: count });
    return this;
  }

  /** The next `count` matching downloads are cut after `afterBytes` body bytes. */
  cutNext(afterBytes: number, count = 1, match?: Match): this {
    this.cuts.push({ afterBytes, remaining: count, match });
    return this;
  }

  /** The next `count` matching requests wait `ms` before they are handled. */
  delayNext(ms: number, count = 1, match?: Match): this {
    this.delays.push({ ms, remaining: count, match });
    return this;
  }

  clear(): void {
    this.failures = [];
    this.cuts = [];
    this.delays = [];
  }

  private take<T extends { remaining: number; match?: Match | undefined }>(
    list: T[],
    req: IncomingMessage,
  ): T | undefined {
    const found = list.find((f) => f.remaining > 0 && (!f.match || f.match(req)));
    if (found) found.remaining--;
    return found;
  }

  takeFailure(req: IncomingMessage): FailFault | undefined {
    return this.take(this.failures, req);
  }

  takeCut(req: IncomingMessage): number | undefined {
    return this.take(this.cuts, req)?.afterBytes;
  }

  takeDelay(req: IncomingMessage): number | undefined {
    return this.take(this.delays, req)?.ms;
  }

  /**
   * Applies the delay and the failure due for `req`, if any: waits, then answers with the injected
   * status (`errorBody` shapes it the way the portal does) or drops the connection. Returns true
   * when the request was answered here and the server must not handle it.
   */
  async intercept(
    req: IncomingMessage,
    res: ServerResponse,
    errorBody: (status: number) => unknown,
  ): Promise<boolean> {
    const delay = this.takeDelay(req);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const failure = this.takeFailure(req);
    if (!failure) return false;
    if (failure.reset) {
      req.socket.destroy();
      return true;
    }
    const headers: Record<string, string | number> = {};
    if (failure.retryAfter !== undefined) headers["retry-after"] = failure.retryAfter;
    send(res, failure.status, failure.body ?? errorBody(failure.status), headers);
    return true;
  }
}
