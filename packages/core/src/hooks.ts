/**
 * What a client reports about each HTTP attempt: to the user's hooks (`onRequest`, `onResponse`,
 * `onRetry`) and to a logger as one line per request and per retry.
 *
 * The transport and the file download both call the one {@link Observer} right where they ask
 * the attempt policy what to do next, so API calls and downloads report alike. A client with no
 * logger and no hook has no observer at all: the send path then checks one `undefined` and
 * formats, times and allocates nothing.
 *
 * Hooks see no header, body or filled URL (those carry credentials and signed queries): only the
 * operation, the path template, the status, timing and the portal's request id, every string
 * scrubbed through the client's secret registry.
 */
import type { Verdict } from "./attempt-policy.js";
import { requestIdOf, type PortalError } from "./errors.js";
import { logfmt, type Logger, type LogLevel } from "./log.js";
import type { SecretRegistry } from "./secrets.js";

/** One HTTP attempt, as hooks see it. */
export interface RequestEvent {
  /** Numbers the client's calls from 1: the same for every attempt of one call, to pair events. */
  call: number;
  /** The portal's display name. */
  portal: string;
  /** The operation's id, when the call is a named operation. */
  operationId: string | undefined;
  /** The HTTP method. */
  method: string;
  /** The operation's path template (`/files/{id}`), never the filled URL. */
  path: string | undefined;
  /** The attempt's number within the call, from 1 (a resend after a refresh counts too). */
  attempt: number;
  /** `api` for calls through the transport, `download` for the file writer's requests. */
  kind: "api" | "download";
}

/** How an attempt ended. */
export interface ResponseEvent extends RequestEvent {
  /** The HTTP status, or undefined when no answer came (a timeout, a reset). */
  status: number | undefined;
  /** Milliseconds from sending to the response headers (to the failure when there was none). */
  durationMs: number;
  /** The portal's request id from the response headers, when it sent one. */
  requestId: string | undefined;
  /** The failure when no answer came: its class name, code and (scrubbed) message. */
  error: { name: string; code: string; message: string } | undefined;
  /** What the client does next: `accept`, `retry`, `refresh` or `fail`. */
  next: Verdict["action"];
}

/** An attempt about to be repeated. */
export interface RetryEvent extends ResponseEvent {
  /** How long the client waits before the next attempt, in milliseconds. */
  waitMs: number;
}

/**
 * Callbacks for each HTTP attempt, e.g. to open and close OpenTelemetry spans. Called in this order
 * per attempt: `onRequest`, `onResponse`, then `onRetry` when the attempt is repeated. A hook that
 * throws (or rejects) is reported at `warn` and does not affect the call; hooks are not awaited.
 */
export interface ClientHooks {
  /** Before an attempt is sent. */
  onRequest?: ((info: RequestEvent) => void) | undefined;
  /** After an attempt's response headers arrive, or after it failed without an answer. */
  onResponse?: ((info: ResponseEvent) => void) | undefined;
  /** Before the wait that precedes a retry. */
  onRetry?: ((info: RetryEvent) => void) | undefined;
}

/** What the transport and the file download report to; see the module comment. */
export interface Observer {
  /** The next {@link RequestEvent.call} number. */
  nextCall(): number;
  /** Reports an attempt about to be sent; returns its start time for {@link Observer.response}. */
  request(info: RequestEvent): number;
  /** Reports how the attempt ended and what the attempt policy decided. */
  response(
    info: RequestEvent,
    began: number,
    outcome: {
      status?: number | undefined;
      headers?: Headers | undefined;
      failure?: PortalError | undefined;
    },
    verdict: Verdict,
  ): void;
}

/** What a client passes to {@link createObserver}. */
export interface ObserverOptions extends ClientHooks {
  logger?: Logger | undefined;
  secrets: SecretRegistry;
}

/** The observer for a client, or undefined when nothing listens (no logger, no hook). */
export function createObserver(options: ObserverOptions): Observer | undefined {
  const { logger, onRequest, onResponse, onRetry, secrets } = options;
  if (!logger && !onRequest && !onResponse && !onRetry) return undefined;

  const write = (level: LogLevel, fields: Record<string, string | number | undefined>) => {
    if (!logger) return;
    try {
      logger[level](secrets.scrub(logfmt(level, fields)));
    } catch {
      // A logger that fails must not fail the call it reports on.
    }
  };
  const call = <T>(name: string, hook: ((info: T) => void) | undefined, info: T) => {
    if (!hook) return;
    try {
      const result = hook(info) as unknown;
      if (result instanceof Promise) result.catch((error) => hookFailed(name, error));
    } catch (error) {
      hookFailed(name, error);
    }
  };
  const hookFailed = (name: string, error: unknown) => {
    const message = secrets.scrub(`sciportals: the ${name} hook threw (ignored): ${String(error)}`);
    // Without a logger the warning still has to reach someone: a broken span exporter is a bug.
    try {
      (logger ?? console).warn(
        logger ? logfmt("warn", { event: "hook_error", hook: name, error: message }) : message,
      );
    } catch {
      // nothing left to tell
    }
  };

  let calls = 0;
  return {
    nextCall: () => ++calls,
    request(info) {
      call("onRequest", onRequest, info);
      return performance.now();
    },
    response(info, began, outcome, verdict) {
      const failure = outcome.failure;
      const requestId = outcome.headers ? requestIdOf(outcome.headers) : failure?.requestId;
      const ended: ResponseEvent = {
        ...info,
        status: outcome.status,
        durationMs: Math.round(performance.now() - began),
        requestId: requestId === undefined ? undefined : secrets.scrub(requestId),
        error: failure
          ? { name: failure.name, code: failure.code, message: secrets.scrub(failure.message) }
          : undefined,
        next: verdict.action,
      };
      call("onResponse", onResponse, ended);
      // One field list for both lines; `timing` is the request's duration or the retry's wait.
      const line = (level: LogLevel, event: string, timing: Record<string, number>) =>
        write(level, {
          event,
          portal: info.portal,
          operation: info.operationId,
          method: info.method,
          path: info.path,
          status: ended.status,
          error: ended.error?.code,
          attempt: info.attempt,
          ...timing,
          request_id: ended.requestId,
          kind: info.kind === "download" ? "download" : undefined,
        });
      line(verdict.action === "fail" ? "warn" : "debug", "request", { duration_ms: ended.durationMs });
      if (verdict.action !== "retry") return;
      const retry: RetryEvent = { ...ended, waitMs: Math.round(verdict.waitMs) };
      call("onRetry", onRetry, retry);
      line("info", "retry", { wait_ms: retry.waitMs });
    },
  };
}
