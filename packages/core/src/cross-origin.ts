/**
 * Which request headers survive a hop to another origin: a redirect that leaves the portal, or a
 * pre-signed URL on a storage host. Used by the transport (API calls) and by downloads alike, so
 * the rule lives once.
 *
 * The rule: `Authorization`, `Cookie`, `Proxy-Authorization` and the header of every security
 * scheme the portal declares are credentials wherever they come from (the client's credentials,
 * or `headers` the caller set on the client or the call), and never leave the origin they were
 * meant for. fetch drops only the first three (and only on redirects it follows itself); a portal's
 * `X-API-Key` or `Genestack-API-Token` set through `headers` would otherwise reach the other host.
 * A caller may keep a header by name (`crossOriginHeaders`) when another host needs it.
 */

const ALWAYS_SENSITIVE = ["authorization", "cookie", "proxy-authorization"];

/** What a client treats as a credential header, and what the caller asked to keep anyway. */
export interface CrossOriginPolicy {
  /** Lower-case names dropped on a hop to another origin. */
  readonly sensitive: ReadonlySet<string>;
}

/** The policy for browsers' and fetch's three headers, for a URL downloaded without a client. */
export const DEFAULT_CROSS_ORIGIN: CrossOriginPolicy = crossOriginPolicy();

/**
 * Builds a policy: the three standard credential headers plus `schemeHeaders` (every header a
 * security scheme of the portal uses), minus the names in `keep` (the caller's opt-in).
 */
export function crossOriginPolicy(
  schemeHeaders: Iterable<string> = [],
  keep: Iterable<string> = [],
): CrossOriginPolicy {
  const sensitive = new Set(ALWAYS_SENSITIVE);
  for (const name of schemeHeaders) sensitive.add(name.toLowerCase());
  for (const name of keep) sensitive.delete(name.toLowerCase());
  return { sensitive };
}

/** True when `headers` holds a header the policy would drop: its redirects must be followed by hand. */
export function carriesSensitive(headers: Headers, policy: CrossOriginPolicy): boolean {
  for (const name of policy.sensitive) if (headers.has(name)) return true;
  return false;
}

/**
 * `headers` without the sensitive ones (and without `always`, the client's own credential headers,
 * which never leave the portal's origin whatever the caller keeps). A new object; the input is
 * left alone.
 */
export function headersForOtherOrigin<H extends Headers | Record<string, string>>(
  headers: H,
  policy: CrossOriginPolicy,
  always: readonly string[] = [],
): H {
  const drop = new Set(policy.sensitive);
  for (const name of always) drop.add(name.toLowerCase());
  if (headers instanceof Headers) {
    const kept = new Headers(headers);
    for (const name of drop) kept.delete(name);
    return kept as H;
  }
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!drop.has(name.toLowerCase())) kept[name] = value;
  return kept as H;
}
