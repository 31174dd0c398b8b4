import type { Extension } from "./types.js";

/** `x-sciportals-serialize`: a query wire format OpenAPI cannot express. */
export type SerializeExtension = "braces" | "brackets";

export const serialize: Extension<SerializeExtension> = {
  key: "x-sciportals-serialize",
  place: "parameter",
  check: (value, { at }) =>
    value === "braces" || value === "brackets"
      ? []
      : [`${at}: x-sciportals-serialize must be braces or brackets`],
  read: (value) => value as SerializeExtension,
};
