/** What a spec change means for a package's version. */
export type Bump = "major" | "minor" | "patch";

export const BUMPS: readonly Bump[] = ["major", "minor", "patch"];

/** One thing a user of the generated client feels, and what it does to the version. */
export interface SpecChange {
  kind: ChangeKind;
  /** Where: `GET /api/v1/datasets query parameter "per_page"`, `response schema "Dataset" field "species"`. */
  location: string;
  bump: Bump;
  /** What exactly: an enum value, `string → integer`, an operationId. */
  detail?: string;
  /** For a change inside a shared component schema: the operations that feel it. */
  usedBy?: string[];
}

/** Every kind of change, with how it reads after its location. */
const PHRASES = {
  "package-added": () => "new package",
  "client-renamed": (d) => `client renamed (${d})`,
  "schema-added": () => "added (an exported type)",
  "schema-removed": () => "removed (an exported type)",
  "operation-added": (d) => `operation ${d} added`,
  "operation-removed": (d) => `operation ${d} removed`,
  "operation-renamed": (d) => `operationId renamed (${d})`,
  deprecated: () => "deprecated",
  "parameter-added": () => "added (optional)",
  "required-parameter-added": () => "added (required)",
  "parameter-removed": () => "removed",
  "parameter-required": () => "made required",
  "parameter-optional": () => "made optional",
  "request-body-added": () => "added (optional)",
  "required-request-body-added": () => "added (required)",
  "request-body-removed": () => "removed",
  "request-body-required": () => "made required",
  "request-body-optional": () => "made optional",
  "media-type-added": (d) => `content type ${d} added`,
  "media-type-removed": (d) => `content type ${d} removed`,
  "response-added": (d) => (d ? `added (${d})` : "added"),
  "response-removed": () => "removed",
  "field-added": () => "added",
  "required-field-added": () => "added (required)",
  "field-removed": () => "removed",
  "field-required": () => "made required",
  "field-optional": () => "made optional",
  "type-narrowed": (d) => `type narrowed (${d})`,
  "type-widened": (d) => `type widened (${d})`,
  "type-changed": (d) => `type changed (${d})`,
  "enum-value-added": (d) => `enum value ${d} added`,
  "enum-value-removed": (d) => `enum value ${d} removed`,
  "enum-added": (d) => `limited to ${d}`,
  "enum-removed": () => "no longer limited to a list of values",
  "variant-added": (d) => `alternative ${d} added`,
  "variant-removed": (d) => `alternative ${d} removed`,
  "constraint-tightened": (d) => `constraint tightened (${d})`,
  "constraint-loosened": (d) => `constraint loosened (${d})`,
  "constraint-changed": (d) => `constraint changed (${d})`,
  "extra-fields-refused": () => "no longer accepts extra fields",
  "extra-fields-allowed": () => "extra fields allowed",
  "security-required": (d) => `now requires authentication (${d})`,
  "security-optional": () => "no longer requires authentication",
  "security-alternative-added": (d) => `can also authenticate with ${d}`,
  "security-alternative-removed": (d) => `can no longer authenticate with ${d}`,
  "security-scheme-added": () => "added",
  "security-scheme-removed": () => "removed",
  "credential-changed": (d) => `credential changed (${d})`,
  "capability-added": (d) => `${d} added`,
  "capability-removed": (d) => `${d} removed`,
  "capability-changed": (d) => `${d} changed`,
  "serialization-changed": (d) => `sent differently (${d})`,
  "retry-changed": (d) => `retry behaviour changed (${d})`,
  "server-changed": () => "default server changed",
  "documentation-changed": (d) => `documentation changed (${d})`,
  "other-changed": (d) => `changed (${d})`,
} satisfies Record<string, (detail: string) => string>;

export type ChangeKind = keyof typeof PHRASES;

/** What happened, without where: `removed`, `enum value "up" added`. */
export function phraseOf(change: SpecChange): string {
  return PHRASES[change.kind](change.detail ?? "");
}

/** `GET /api/v1/datasets query parameter "per_page": removed`. */
export function describeChange(change: SpecChange): string {
  return `${change.location}: ${phraseOf(change)}`;
}

/** The package's bump: the highest class among its changes (undefined when nothing changed). */
export function highestBump(changes: readonly SpecChange[]): Bump | undefined {
  return BUMPS.find((bump) => changes.some((change) => change.bump === bump));
}

/**
 * Collects changes once each. A change inside a shared component schema is found once and then
 * attributed to every operation that reaches the schema (`usedBy`).
 */
export class ChangeLog {
  private readonly entries = new Map<string, { change: SpecChange; usedBy?: Set<string> }>();

  /** Records a change (once) and returns its key. */
  add(change: SpecChange, shared = false): string {
    const key = `${change.location}\u0000${change.kind}\u0000${change.detail ?? ""}\u0000${change.bump}`;
    if (!this.entries.has(key)) this.entries.set(key, { change, usedBy: shared ? new Set() : undefined });
    return key;
  }

  /** Notes that `operation` reaches the shared changes with these keys. */
  use(keys: Iterable<string>, operation: string): void {
    for (const key of keys) this.entries.get(key)?.usedBy?.add(operation);
  }

  list(): SpecChange[] {
    return [...this.entries.values()].map(({ change, usedBy }) =>
      usedBy && usedBy.size > 0 ? { ...change, usedBy: [...usedBy] } : change,
    );
  }
}
