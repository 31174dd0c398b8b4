import type { Extension } from "./types.js";

/** Where an operation's shape comes from. Required in this repo's curated specs by the spec lint. */
export type Provenance = "seed" | "public" | "unverified";

const VALUES: readonly string[] = ["seed", "public", "unverified"];

export const provenance: Extension<Provenance> = {
  key: "x-sciportals-provenance",
  place: "operation",
  check: (value, { at }) =>
    typeof value === "string" && VALUES.includes(value) ? [] : [`${at}: must be seed, public or unverified`],
  read: (value) => value as Provenance,
};
