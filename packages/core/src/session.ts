import { staticCredential, type Credential } from "./auth.js";
import {
  AbortError,
  AuthenticationError,
  ConfigurationError,
  summarizeErrorBody,
  ValidationError,
} from "./errors.js";
import type { OperationMeta, RawInput } from "./operation.js";
import { getPath } from "./path.js";
import { portalTokenFileStore } from "./portal-token-file.js";
import { sleep } from "./retry.js";
import {
  createTokenSession,
  jwtExpiry,
  memoryTokenStore,
  type TokenSession,
  type TokenSet,
  type TokenStore,
} from "./token-session.js";
import { processEnv } from "./env.js";

/** `x-sciportals-session`, resolved by codegen: how a scheme's token is obtained and renewed. */
export interface SessionMeta {
  login: OperationMeta;
  refresh: OperationMeta;
  /** `body`: the refresh token goes in the refresh request's body; `cookie`: a cookie the server set does. */
  refreshCredential: "body" | "cookie";
  /** The request body field for the refresh token (body mode). Default `refresh`. */
  refreshTokenField?: string | undefined;
  /** Response fields holding the access token, tried in order. */
  accessToken: readonly string[];
  /** Response fields holding a rotated refresh token (body mode). */
  refreshToken?: readonly string[] | undefined;
  /** Response field with the access token's lifetime in seconds; else the JWT's `exp` is read. */
  expiresIn?: string | undefined;
  /** Client options sent as the login request's body, such as `email` and `password`. */
  options?: readonly string[] | undefined;
  /** Cookie mode: the security scheme (apiKey in cookie) the refresh operation authenticates with. */
  cookieScheme?: string | undefined;
}

/** `x-sciportals-device-flow`, resolved by codegen. */
export interface DeviceFlowMeta {
  start: OperationMeta;
  poll: OperationMeta;
  /** Response field holding the state while pending. */
  status?: string | undefined;
  pending?: readonly string[] | undefined;
  /** Response field holding the token on success. */
  token: string;
  /** Response field holding a terminal error code. */
  error?: string | undefined;
}

/** A scheme as the auth setup sees it (a subset of core's `SchemeMeta`). */
export interface AuthScheme {
  header: string;
  prefix?: string | undefined;
  option?: string | undefined;
  env?: string | undefined;
  session?: SessionMeta | undefined;
  deviceFlow?: DeviceFlowMeta | undefined;
  /** For an apiKey-in-cookie scheme: the cookie's name. */
  cookie?: string | undefined;
  /** The portal's own token file, for `tokenStore: "file"`. */
  tokenFile?: string | undefined;
}

/** What a client gives its auth setup. */
export interface AuthContext {
  portal: string;
  factory: string;
  schemes: Readonly<Record<string, AuthScheme>>;
  options: Readonly<Record<string, unknown>>;
  /** The client's credentials by scheme; the setup adds to it and removes from it. */
  credentials: Record<string, Credential>;
  /** Where the setup registers passwords and tokens, so that the client scrubs them from errors. */
  secrets?:
    | {
        /** Registers one secret (ignored when empty or too short to scrub). */
        add(secret: string | undefined): void;
      }
    | undefined;
  /** Calls an operation (login, refresh, device flow) and returns its body and response. */
  invoke(meta: OperationMeta, input?: RawInput): Promise<{ data: any; response: Response }>;
}

/** What the device flow shows the user. */
export interface DevicePrompt {
  userCode: string;
  verificationUri: string;
  /** The URL with the code filled in, when the portal gives one: open it in a browser. */
  verificationUriComplete: string | undefined;
  expiresInSeconds: number | undefined;
}

/** Options for `client.auth.deviceLogin()`. */
export interface DeviceLoginOptions {
  /** Show the code and URL to the user. */
  onPrompt: (prompt: DevicePrompt) => void;
  /** Extra fields for the start request, such as a client name. */
  body?: Record<string, unknown> | undefined;
  signal?: AbortSignal | undefined;
}

/** Sign-in helpers of a client whose portal has login sessions or a device flow. */
export interface ClientAuth {
  /**
   * Logs in with the user's credentials (the portal's login fields, such as `email` and
   * `password`; the client's options are used for the ones not given) and keeps the session,
   * which then refreshes itself.
   */
  login(values?: Record<string, string>, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * The device authorization flow: asks the portal for a code, shows it with `onPrompt`, polls at
   * the interval the portal asks for until the user approves (or denies, or the code expires),
   * then uses and stores the token it gets.
   */
  deviceLogin(options: DeviceLoginOptions): Promise<void>;
  /** Forgets the session's tokens and clears the token store. */
  logout(): Promise<void>;
}

// The client's `env` option, as base.ts reads it: process.env in Node unless given or `false`.
function envOf(options: Readonly<Record<string, unknown>>): Record<string, string | undefined> {
  if (options.env === false) return {};
  if (options.env) return options.env as Record<string, string | undefined>;
  return processEnv();
}

/** Sets up a client's sessions from its spec and returns its `auth` helpers. */
export type AuthSetup = (context: AuthContext) => ClientAuth;

function firstString(data: unknown, fields: readonly string[] | undefined): string | undefined {
  for (const field of fields ?? []) {
    const value = getPath(data, field);
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

function cookieValue(response: Response, name: string): string | undefined {
  const headers = response.headers as Headers & { getSetCookie?: () => string[] };
  const all = headers.getSetCookie?.() ?? (headers.get("set-cookie") ?? "").split(/,(?=\s*[^;=\s]+=)/);
  for (const line of all) {
    const [pair] = line.split(";");
    const eq = pair!.indexOf("=");
    if (eq > 0 && pair!.slice(0, eq).trim() === name) return pair!.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The auth setup for portals with `x-sciportals-session` or `x-sciportals-device-flow`:
 * installs a token session per session scheme (from stored tokens, or from the login options),
 * a cookie credential for cookie-mode refreshes, a stored device-flow token, and `client.auth`.
 */
export const sessionAuth: AuthSetup = (context) => {
  const { portal, schemes, options, credentials } = context;
  const secret = (value: unknown) => context.secrets?.add(typeof value === "string" ? value : undefined);
  const store: TokenStore =
    options.tokenStore === "file"
      ? portalTokenFileStore(portal, schemes, envOf(options))
      : ((options.tokenStore as TokenStore | undefined) ?? memoryTokenStore());
  const stored = store.load() as (TokenSet & { scheme?: string }) | undefined;
  secret(stored?.accessToken);
  secret(stored?.refreshToken);
  const sessions = new Map<string, TokenSession>();
  const installed = new Set<string>();

  const sessionSchemes = Object.entries(schemes).filter(([, s]) => s.session);
  const howToLogin = (scheme: AuthScheme) => {
    const fields = scheme.session?.options ?? [];
    return fields.length
      ? `Pass ${fields.map((f) => `\`${f}\``).join(" and ")} to ${context.factory}() or call client.auth.login().`
      : "Call client.auth.login().";
  };

  function scopedStore(name: string): TokenStore {
    return {
      load: () => (stored?.scheme === name || (stored && !stored.scheme) ? stored : undefined),
      save: (tokens) => store.save(tokens ? ({ ...tokens, scheme: name } as TokenSet) : undefined),
    };
  }

  function tokensFrom(scheme: AuthScheme, data: unknown, response: Response): TokenSet {
    const session = scheme.session!;
    const accessToken = firstString(data, session.accessToken);
    if (!accessToken) {
      const said = summarizeErrorBody(data).message;
      throw new AuthenticationError(
        `${portal}: the portal answered without a token${said ? `: ${said}` : ""}`,
        {
          portal,
          code: "no_token",
          details: data,
        },
      );
    }
    const cookieName = session.cookieScheme ? schemes[session.cookieScheme]?.cookie : undefined;
    const refreshToken =
      session.refreshCredential === "cookie" && cookieName
        ? cookieValue(response, cookieName)
        : firstString(data, session.refreshToken);
    const lifetime = session.expiresIn ? Number(getPath(data, session.expiresIn)) : NaN;
    const expiresAt =
      Number.isFinite(lifetime) && lifetime > 0 ? Date.now() + lifetime * 1000 : jwtExpiry(accessToken);
    return { accessToken, refreshToken, expiresAt };
  }

  function loginValues(
    scheme: AuthScheme,
    given: Record<string, string> = {},
  ): Record<string, string> | undefined {
    const fields = scheme.session?.options ?? [];
    if (fields.length === 0) return undefined;
    const values: Record<string, string> = {};
    for (const field of fields) {
      const value = given[field] ?? options[field];
      if (typeof value !== "string" || value === "") return undefined;
      // A user name or email is not a secret; a password, token or code is.
      if (!/^(e-?mail|user(name)?|login|name)$/i.test(field)) secret(value);
      values[field] = value;
    }
    return values;
  }

  function install(
    name: string,
    scheme: AuthScheme,
    values: Record<string, string> | undefined,
  ): TokenSession {
    const session = scheme.session!;
    const cookieName = session.cookieScheme ? schemes[session.cookieScheme]?.cookie : undefined;
    const tokenSession = createTokenSession({
      portal,
      header: scheme.header,
      prefix: scheme.prefix,
      store: scopedStore(name),
      secrets: context.secrets,
      howToLogin: howToLogin(scheme),
      login: values
        ? async (signal) => {
            const { data, response } = await context.invoke(session.login, { body: values, signal });
            return tokensFrom(scheme, data, response);
          }
        : undefined,
      // A browser keeps the refresh cookie to itself: refresh with it before sending the password again.
      refreshWithoutToken: session.refreshCredential === "cookie",
      refresh: async (current, signal) => {
        const input: RawInput = { signal };
        if (session.refreshCredential === "body")
          input.body = { [session.refreshTokenField ?? "refresh"]: current.refreshToken };
        const { data, response } = await context.invoke(session.refresh, input);
        return tokensFrom(scheme, data, response);
      },
    });
    credentials[name] = tokenSession;
    installed.add(name);
    sessions.set(name, tokenSession);
    if (session.refreshCredential === "cookie" && session.cookieScheme && cookieName) {
      // In Node the client keeps the cookie the server set; browsers send their own.
      credentials[session.cookieScheme] = {
        get() {
          const refresh = tokenSession.peek()?.refreshToken;
          return { header: "Cookie", value: refresh ? `${cookieName}=${refresh}` : "" };
        },
      };
      installed.add(session.cookieScheme);
    }
    return tokenSession;
  }

  for (const [name, scheme] of Object.entries(schemes)) {
    if (credentials[name]) continue;
    if (scheme.session) {
      const values = loginValues(scheme);
      if (values || scopedStore(name).load()) install(name, scheme, values);
    } else if (!scheme.cookie && stored?.scheme === name) {
      credentials[name] = staticCredential(scheme.header, `${scheme.prefix ?? ""}${stored.accessToken}`);
      installed.add(name);
    }
  }

  return {
    async login(values = {}, { signal } = {}) {
      const entry = sessionSchemes[0];
      if (!entry)
        throw new ConfigurationError(`${portal} has no login session.`, { portal, code: "unsupported" });
      const [name, scheme] = entry;
      const all = loginValues(scheme, values);
      if (!all) {
        throw new ValidationError(
          `${portal}: login needs ${(scheme.session!.options ?? []).map((f) => `\`${f}\``).join(" and ")}.`,
          {
            portal,
            code: "invalid_argument",
          },
        );
      }
      const session = sessions.get(name) ?? install(name, scheme, all);
      const { data, response } = await context.invoke(scheme.session!.login, { body: all, signal });
      await session.setTokens(tokensFrom(scheme, data, response));
    },

    async deviceLogin({ onPrompt, body, signal }) {
      const entry = Object.entries(schemes).find(([, s]) => s.deviceFlow);
      if (!entry)
        throw new ConfigurationError(`${portal} has no device authorization flow.`, {
          portal,
          code: "unsupported",
        });
      const [name, scheme] = entry;
      const flow = scheme.deviceFlow!;
      const { data: start } = await context.invoke(flow.start, { body: body ?? {}, signal });
      const deviceCode = getPath(start, "device_code");
      if (typeof deviceCode !== "string")
        throw new AuthenticationError(`${portal}: the device flow did not start`, { portal, details: start });
      const expiresIn = Number(getPath(start, "expires_in"));
      onPrompt({
        userCode: String(getPath(start, "user_code") ?? ""),
        verificationUri: String(getPath(start, "verification_uri") ?? ""),
        verificationUriComplete:
          (getPath(start, "verification_uri_complete") as string | undefined) ?? undefined,
        expiresInSeconds: Number.isFinite(expiresIn) ? expiresIn : undefined,
      });
      let interval = Math.max(0, Number(getPath(start, "interval") ?? 5)) * 1000;
      const deadline = Number.isFinite(expiresIn) ? Date.now() + expiresIn * 1000 : Infinity;
      for (;;) {
        try {
          await sleep(interval, signal);
        } catch {
          throw new AbortError(`${portal}: the device login was aborted`, { portal, code: "aborted" });
        }
        const { data: answer } = await context.invoke(flow.poll, {
          body: { device_code: deviceCode },
          signal,
        });
        const token = getPath(answer, flow.token);
        if (typeof token === "string" && token !== "") {
          secret(token);
          await store.save({ accessToken: token, scheme: name } as TokenSet);
          credentials[name] = staticCredential(scheme.header, `${scheme.prefix ?? ""}${token}`);
          installed.add(name);
          return;
        }
        const error = flow.error ? getPath(answer, flow.error) : undefined;
        const state = flow.status ? getPath(answer, flow.status) : undefined;
        if (error === "slow_down" || state === "slow_down") interval += 5000;
        else if (typeof error === "string" && error !== "") {
          const why =
            error === "access_denied"
              ? "the request was denied in the browser"
              : error === "expired_token"
                ? "the code expired before it was approved; start again"
                : error;
          throw new AuthenticationError(`${portal}: device login failed: ${why}`, {
            portal,
            code: error,
            details: answer,
          });
        }
        if (Date.now() > deadline) {
          throw new AuthenticationError(
            `${portal}: device login failed: the code expired before it was approved; start again`,
            {
              portal,
              code: "expired_token",
            },
          );
        }
      }
    },

    async logout() {
      for (const session of sessions.values()) await session.logout();
      for (const name of installed) delete credentials[name];
      installed.clear();
      sessions.clear();
      await store.save(undefined);
    },
  };
};
