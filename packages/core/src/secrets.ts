/**
 * The secrets one client knows, and the scrubber that removes them from anything it shows.
 *
 * Every source of a credential (API key options, token sessions, login passwords, refresh
 * cookies, a device-flow token) registers its values here as it learns them. Nothing is scrubbed
 * on the success path: errors are scrubbed once when they leave the client, and the logger and
 * hooks (`hooks.ts`) scrub each line and event with {@link SecretRegistry.scrub}.
 */

/** What replaces a secret. */
export const SCRUBBED = "***";

// Shorter values are not scrubbed: replacing every "ab" in a message would garble it and hide
// nothing (a secret that short is guessable anyway).
const MIN_SECRET_LENGTH = 4;
const MAX_DEPTH = 8;

/** The secrets of one client; see the module comment. */
export interface SecretRegistry {
  /** Remembers a secret (and its URL-encoded form) for scrubbing. Empty and short values are ignored. */
  add(secret: string | undefined): void;
  /** Whether any secret is known. */
  readonly size: number;
  /** `text` with every known secret replaced by `***`. */
  scrub(text: string): string;
  /** A copy of `value` (strings, arrays, plain objects) with every known secret replaced. */
  scrubValue<T>(value: T): T;
}

/** Creates an empty {@link SecretRegistry} for one client. */
export function createSecretRegistry(): SecretRegistry {
  const secrets = new Set<string>();
  // Longest first, so a secret that contains another is replaced whole.
  let ordered: string[] | undefined;

  const registry: SecretRegistry = {
    add(secret) {
      if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH || secrets.has(secret)) return;
      secrets.add(secret);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) secrets.add(encoded);
      ordered = undefined;
    },
    get size() {
      return secrets.size;
    },
    scrub(text) {
      if (secrets.size === 0 || typeof text !== "string") return text;
      ordered ??= [...secrets].sort((a, b) => b.length - a.length);
      let out = text;
      for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(SCRUBBED);
      return out;
    },
    scrubValue(value) {
      return secrets.size === 0 ? value : (deep(registry, value, 0) as typeof value);
    },
  };
  return registry;
}

function deep(registry: SecretRegistry, value: unknown, depth: number): unknown {
  if (typeof value === "string") return registry.scrub(value);
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => deep(registry, v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Blobs, Headers, streams: not ours to copy
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[registry.scrub(key)] = deep(registry, v, depth + 1);
  return out;
}

/**
 * Scrubs an error in place before it reaches the caller: its message, stack, every own field
 * (`details`, `url`, a waiter's `lastResult`, …) and its `cause` chain. `util.inspect` and
 * `JSON.stringify` of the error then show no secret either. Returns the same error.
 */
export function scrubError<E>(error: E, registry: SecretRegistry): E {
  if (registry.size === 0) return error;
  scrubOne(error, registry, 0);
  return error;
}

function scrubOne(error: unknown, registry: SecretRegistry, depth: number): void {
  if (!(error instanceof Error) || depth > MAX_DEPTH) return;
  const target = error as unknown as Record<string, unknown>;
  for (const key of [...Object.getOwnPropertyNames(error), "message", "stack"]) {
    if (key === "cause") continue;
    const before = target[key];
    const after = registry.scrubValue(before);
    // Fields are readonly to users, not to the code that builds the error.
    if (after !== before)
      Object.defineProperty(error, key, { value: after, writable: true, configurable: true });
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) scrubOne(cause, registry, depth + 1);
  else if (cause !== undefined) {
    const after = registry.scrubValue(cause);
    if (after !== cause)
      Object.defineProperty(error, "cause", { value: after, writable: true, configurable: true });
  }
}
