/**
 * A mistake in how a transfer command was called: exit 2. Kept here (not the spine's
 * `exit-codes.ts`) so that the transfer commands build on their own; both use exit 2.
 */
export class TransferUsageError extends Error {
  override name = "UsageError";
}
export { TransferUsageError as UsageError };
