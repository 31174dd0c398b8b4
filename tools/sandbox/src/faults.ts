import type { IncomingMessage } from "node:http";

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
}
