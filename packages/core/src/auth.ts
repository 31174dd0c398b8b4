import { MissingCredentialsError } from "./errors.js";

/** The header (or query parameter) a credential adds to one request. */
export interface AppliedCredential {
  /** The header's name. */
  header: string;
  /**
   * Set when the portal takes this credential as a query parameter (an OpenAPI `apiKey` scheme
   * `in: query`): the parameter's name. The value then goes in the URL, never in `header`.
   */
  query?: string | undefined;
  /** The header's value: a secret, never logged or put in an error. */
  value: string;
  /** Which token this was, so that a 401 refreshes only a token that is still current. */
  generation?: number | undefined;
}

/**
 * A source of one header for authenticated requests: a static key, or a session that
 * refreshes its token. The transport asks for it per request and only for the portal's own
 * origin; a credential never sees other URLs.
 */
export interface Credential {
  /** The header to send. A session may refresh first when its token is about to expire. */
  get(signal?: AbortSignal): AppliedCredential | Promise<AppliedCredential>;
  /**
   * Called when the portal answered 401 to a request sent with `applied`. Resolves `true` when a
   * new token is ready and one resend may succeed; calls in flight share one refresh.
   */
  refresh?(applied: AppliedCredential, signal?: AbortSignal): Promise<boolean>;
}

/** A credential that never changes: an API key, a personal access token; in a header, or in `query`. */
export function staticCredential(header: string, value: string, query?: string): Credential {
  const applied: AppliedCredential = query ? { header, value, query } : { header, value };
  return { get: () => applied };
}

/** `url` with the query-placed credentials among `applied` set as its parameters. */
export function withQueryCredentials(url: string, applied: readonly AppliedCredential[]): string {
  if (!applied.some((a) => a.query)) return url;
  const parsed = new URL(url);
  for (const a of applied) if (a.query) parsed.searchParams.set(a.query, a.value);
  return parsed.href;
}

/** How a user supplies a security scheme's credential; used to explain a missing one. */
export interface CredentialSource {
  /** The client option, such as `apiKey`. */
  option?: string | undefined;
  /** For a login session: the client options that log in, such as `email` and `password`. */
  session?: { options?: readonly string[] | undefined } | undefined;
  /** The environment variable read in Node when the option is absent. */
  env?: string | undefined;
  /** Where to get one. */
  help?: string | undefined;
}

/**
 * An operation's security requirement, as in OpenAPI: alternatives, each a list of scheme names
 * that must all be present. An empty alternative means the operation also works anonymously.
 */
export type SecurityRequirement = readonly (readonly string[])[];

/**
 * Picks the credentials for one call: the first alternative whose schemes all have a credential.
 * Throws {@link MissingCredentialsError}, naming the options that would satisfy it, when none does.
 */
export function selectCredentials(
  security: SecurityRequirement | undefined,
  credentials: Readonly<Record<string, Credential>>,
  explain: {
    portal: string;
    factory: string;
    operationId?: string | undefined;
    sources: Readonly<Record<string, CredentialSource>>;
  },
): Credential[] {
  if (!security || security.length === 0) return [];
  for (const alternative of security) {
    if (alternative.every((scheme) => credentials[scheme] !== undefined)) {
      return alternative.map((scheme) => credentials[scheme]!);
    }
  }
  const ways = security
    .filter((alternative) => alternative.length > 0)
    .map((alternative) =>
      alternative
        .map((scheme) => {
          const source = explain.sources[scheme];
          if (source?.option) return `\`${source.option}\`${source.env ? ` (or set ${source.env})` : ""}`;
          const login = source?.session?.options;
          if (login?.length) return login.map((o) => `\`${o}\``).join(" and ");
          return `a "${scheme}" credential`;
        })
        .join(" and "),
    );
  const helps = [
    ...new Set(
      security
        .flat()
        .map((s) => explain.sources[s]?.help)
        .filter(Boolean),
    ),
  ];
  const subject = explain.operationId ? `${explain.operationId} needs` : "This call needs";
  throw new MissingCredentialsError(
    `${explain.portal}: ${subject} a credential. Pass ${ways.join(", or ")} to ${explain.factory}().` +
      (helps.length ? ` ${helps.join(" ")}` : ""),
    { portal: explain.portal, operationId: explain.operationId, code: "missing_credentials" },
  );
}
