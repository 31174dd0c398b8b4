import type { Extension } from "./types.js";

/** `x-sciportals-idempotent`: whether a call may be retried, against what its method says. */
export const idempotent: Extension<boolean> = {
  key: "x-sciportals-idempotent",
  place: "operation",
  check: (value, { at }) => (typeof value === "boolean" ? [] : [`${at}: must be a boolean`]),
  read: (value) => value === true,
};
