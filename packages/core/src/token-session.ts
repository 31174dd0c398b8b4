import type { AppliedCredential, Credential } from "./auth.js";
import { AuthenticationError, MissingCredentialsError, PortalError } from "./errors.js";

/** The tokens of a login session. */
export interface TokenSet {
  accessToken: string;
  /** When the access token expires (epoch milliseconds), when known. */
  expiresAt?: number | undefined;
  /** What obtains the next access token: a refresh token, or the refresh cookie's value. */
  refreshToken?: string | undefined;
}

/**
 * Where a session keeps its tokens between refreshes, and between runs when it persists them.
 * A refresh that rotates the refresh token saves the new one here before any call uses it.
 */
export interface TokenStore {
  /** The stored tokens, if any. Read when the client is created, so it should answer synchronously. */
  load(): TokenSet | undefined | Promise<TokenSet | undefined>;
  /** Saves new tokens; `undefined` clears them (logout). */
  save(tokens: TokenSet | undefined): void | Promise<void>;
}

/** A token store in memory: the default, gone when the process ends. */
export function memoryTokenStore(initial?: TokenSet): TokenStore {
  let tokens = initial;
  return {
    load: () => tokens,
    save: (next) => void (tokens = next),
  };
}

/** How a token session obtains, renews and keeps its tokens. */
export interface TokenSessionOptions {
  /** The portal's name, for messages. */
  portal: string;
  /** Header and prefix for the access token. Default `Authorization: Bearer …`. */
  header?: string | undefined;
  prefix?: string | undefined;
  store: TokenStore;
  /** Obtains tokens when the store has none (a login with the user's credentials). */
  login?: ((signal?: AbortSignal) => Promise<TokenSet>) | undefined;
  /** Exchanges the current tokens for fresh ones. Absent: the session can only log in again. */
  refresh?: ((current: TokenSet, signal?: AbortSignal) => Promise<TokenSet>) | undefined;
  /**
   * The refresh credential may be held where the client cannot see it: a browser keeps an HttpOnly
   * refresh cookie in its own jar and hides `Set-Cookie`. Then a session without a known refresh
   * token still tries `refresh` first, and logs in again only when that is refused.
   */
  refreshWithoutToken?: boolean | undefined;
  /**
   * Refresh this long before the access token expires, in milliseconds; calls keep using the
   * current token meanwhile. Default 60 s, or a third of the token's lifetime when shorter.
   */
  refreshAheadMs?: number | undefined;
  /** How to log in, for the message when there is no way to get a token. */
  howToLogin?: string | undefined;
  /** The clock, for tests. */
  now?: () => number;
  /** Where the session registers every token it holds, so the client can scrub them from errors. */
  secrets?:
    | {
        /** Registers one secret (ignored when empty or too short to scrub). */
        add(secret: string | undefined): void;
      }
    | undefined;
}

/** A {@link Credential} backed by a login session; see {@link createTokenSession}. */
export interface TokenSession extends Credential {
  /** The current tokens, logging in first if the store has none. */
  tokens(signal?: AbortSignal): Promise<TokenSet>;
  /** The tokens held right now, without logging in or refreshing. */
  peek(): TokenSet | undefined;
  /** Forgets the tokens (and clears the store). */
  logout(): Promise<void>;
  /** Replaces the tokens, e.g. after an explicit login or a device authorization. */
  setTokens(tokens: TokenSet): Promise<void>;
}

/**
 * A token cycler, after Azure's: one refresh at a time shared by every call in flight (a
 * generation counter tells a stale 401 from a fresh one), a background refresh shortly before
 * expiry while calls keep the current token, a blocking refresh once it has expired, and a
 * resend after a 401 only when a new token was obtained. A renewal the portal refuses (400, 401,
 * 403) fails every waiting call and every later one with the same {@link AuthenticationError},
 * without asking again, until new tokens arrive; a network or server failure is not remembered.
 */
export function createTokenSession(options: TokenSessionOptions): TokenSession {
  const header = options.header ?? "Authorization";
  const prefix = options.prefix ?? "Bearer ";
  const now = options.now ?? Date.now;
  let current: TokenSet | undefined;
  let loaded = false;
  let generation = 0;
  let pending: Promise<TokenSet> | undefined;
  let obtainedAt: number | undefined;
  // A renewal the portal rejected: every call fails with it, without asking again, until new
  // tokens arrive (a login, setTokens). Retrying a refused refresh token cannot succeed, and
  // re-sending a refused password can lock the account.
  let failure: PortalError | undefined;
  // The portal answered 401 to the current token: it is not sent again.
  let refused = false;

  const remember = (set: TokenSet | undefined) => {
    options.secrets?.add(set?.accessToken);
    options.secrets?.add(set?.refreshToken);
  };

  async function ensureLoaded(): Promise<void> {
    if (loaded) return;
    current = (await options.store.load()) ?? undefined;
    remember(current);
    loaded = true;
  }

  async function adopt(next: TokenSet): Promise<TokenSet> {
    // Keep a refresh token the server did not rotate.
    const merged: TokenSet = { ...next, refreshToken: next.refreshToken ?? current?.refreshToken };
    remember(merged);
    await options.store.save(merged);
    current = merged;
    obtainedAt = now();
    generation++;
    failure = undefined;
    refused = false;
    return merged;
  }

  /** One renewal at a time: refresh when possible, else log in again. */
  function renew(signal?: AbortSignal): Promise<TokenSet> {
    if (!pending) {
      const run = async () => {
        try {
          if (current && options.refresh && current.refreshToken !== undefined)
            return await adopt(await options.refresh(current, signal));
          if (current && options.refresh && options.refreshWithoutToken && options.login) {
            try {
              return await adopt(await options.refresh(current, signal));
            } catch (error) {
              // No cookie after all (a Node client whose portal set none): log in again.
              if (!rejected(error)) throw error;
            }
          }
          if (options.login) return await adopt(await options.login(signal));
          if (current && options.refresh) return await adopt(await options.refresh(current, signal));
          throw new MissingCredentialsError(
            `${options.portal}: there is no session to refresh. ${options.howToLogin ?? "Log in first."}`,
            { portal: options.portal, code: "missing_credentials" },
          );
        } catch (error) {
          if (error instanceof MissingCredentialsError) throw error;
          const failed = refreshFailed(error);
          if (rejected(error)) failure = failed;
          throw failed;
        }
      };
      pending = run().finally(() => {
        pending = undefined;
      });
    }
    return pending;
  }

  /** The portal refused the renewal itself (400/401/403, or no token), not a network or server failure. */
  function rejected(error: unknown): boolean {
    if (error instanceof AuthenticationError) return true;
    const status = error instanceof PortalError ? error.status : undefined;
    return status === 400 || status === 401 || status === 403;
  }

  function refreshFailed(error: unknown): PortalError {
    const reason = error instanceof Error ? error.message : String(error);
    return new AuthenticationError(
      `${options.portal}: the session could not be renewed (${reason}). ${options.howToLogin ?? "Log in again."}`,
      {
        portal: options.portal,
        code: "refresh_failed",
        status: error instanceof PortalError ? error.status : undefined,
        cause: error,
      },
    );
  }

  async function tokens(signal?: AbortSignal): Promise<TokenSet> {
    await ensureLoaded();
    if (pending) return pending;
    // A background refresh that was refused leaves the current token usable until it expires.
    if (failure && (refused || !current)) throw failure;
    if (!current) return renew(signal);
    const expiresAt = current.expiresAt;
    if (expiresAt !== undefined) {
      const left = expiresAt - now();
      if (left <= 0) {
        if (failure) throw failure;
        return renew(signal); // must refresh
      }
      // Short-lived tokens refresh a third of their lifetime ahead, not a whole minute.
      const lifetime = obtainedAt !== undefined ? expiresAt - obtainedAt : Infinity;
      const ahead = Math.min(options.refreshAheadMs ?? 60_000, lifetime / 3);
      if (left <= ahead && !failure) {
        // Should refresh: do it in the background and use the token that still works.
        renew().catch(() => {});
      }
    }
    return current;
  }

  return {
    async get(signal) {
      const set = await tokens(signal);
      return { header, value: `${prefix}${set.accessToken}`, generation };
    },
    async refresh(applied: AppliedCredential, signal) {
      // Another call already renewed the token this one was sent with: just resend.
      if (applied.generation !== undefined && applied.generation !== generation) return true;
      refused = true;
      if (pending) {
        await pending;
        return true;
      }
      if (failure) throw failure;
      await renew(signal);
      return true;
    },
    tokens,
    peek: () => current,
    async logout() {
      current = undefined;
      loaded = true;
      generation++;
      failure = undefined;
      refused = false;
      await options.store.save(undefined);
    },
    async setTokens(next) {
      loaded = true;
      await adopt(next);
    },
  };
}

/** Reads the `exp` claim of a JWT (seconds) as epoch milliseconds, without verifying it. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(
      payload
        .replace(/-/g, "+")
        .replace(/_/g, "/")
        .padEnd(Math.ceil(payload.length / 4) * 4, "="),
    );
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
