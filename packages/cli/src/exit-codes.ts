import {
  AuthenticationError,
  BadRequestError,
  MissingCredentialsError,
  NotFoundError,
  PermissionDeniedError,
  PortalError,
  TransferError,
  UnprocessableEntityError,
  ValidationError,
} from "@sciportals/core";
import { CommanderError } from "commander";

/** flowbio's exit-code contract, which scripts around a portal CLI already rely on. */
export const EXIT = {
  ok: 0,
  runtime: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  badRequest: 5,
} as const;

/** A mistake in how the command was called (a bad flag value, an unreadable `--body @file`): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The exit code for an error, by flowbio's contract. */
export function exitCodeFor(error: unknown): number {
  // A transfer that failed because the portal refused a request (an upload's 400, a 401) is that refusal.
  if (error instanceof TransferError && error.cause instanceof PortalError) return exitCodeFor(error.cause);
  // Missing credentials are a ConfigurationError in core, but to the user they are an auth problem.
  if (
    error instanceof AuthenticationError ||
    error instanceof PermissionDeniedError ||
    error instanceof MissingCredentialsError
  )
    return EXIT.auth;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (
    error instanceof BadRequestError ||
    error instanceof UnprocessableEntityError ||
    error instanceof ValidationError
  )
    return EXIT.badRequest;
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  return EXIT.runtime;
}

/** What `--output json` writes to stderr for an error. */
interface ErrorDocument {
  error: {
    type: string;
    message: string;
    exitCode: number;
    status?: number;
    code?: string;
    requestId?: string;
  };
}

function describe(error: unknown, exitCode: number): ErrorDocument {
  const err = error instanceof Error ? error : new Error(String(error));
  const doc: ErrorDocument = { error: { type: err.name, message: err.message, exitCode } };
  if (error instanceof PortalError) {
    // Core scrubs known secrets from its errors' messages; these fields carry no secret either.
    if (error.status !== undefined) doc.error.status = error.status;
    doc.error.code = error.code;
    if (error.requestId !== undefined) doc.error.requestId = error.requestId;
  }
  return doc;
}

/**
 * Writes an error to stderr (a JSON document with `json`, else one line, plus the stack with
 * `verbose`) and returns the exit code the process should end with.
 */
export function reportError(
  error: unknown,
  options: { json?: boolean; verbose?: boolean; portal?: string } = {},
): number {
  const code = exitCodeFor(error);
  // Core's message speaks to library users (options of create…Client()); add the CLI's ways.
  const hint =
    code === EXIT.auth && options.portal
      ? `log in with \`sciportals ${options.portal} login\`, or pass --token-file`
      : undefined;
  if (options.json) {
    const doc = describe(error, code);
    process.stderr.write(`${JSON.stringify(hint ? { error: { ...doc.error, hint } } : doc)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`sciportals: ${message}\n`);
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    if (options.verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  return code;
}
