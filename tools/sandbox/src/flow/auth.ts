/**
 * Flow credentials: HS256 JWT access tokens with a configurable lifetime, long-lived refresh tokens
 * carried by the HttpOnly `flow_refresh_token` cookie (revocable, optionally rotated), and API keys
 * with scopes. A key without the scope an endpoint needs gets 403 "Token not authorised for this
 * endpoint".
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { JwtSigner } from "../jwt.js";
import type { Principal, Scope, Store, User } from "./store.js";

export const REFRESH_COOKIE = "flow_refresh_token";

export interface FlowAuthStats {
  /** Successful POST /login (and /signup). */
  logins: number;
  /** Refused logins (400). */
  loginFailures: number;
  /** Access tokens minted by GET /token. */
  refreshes: number;
  /** GET /token calls refused (no cookie, or a bad, expired or revoked refresh token). */
  refreshFailures: number;
  /** Requests refused with 401 (missing, invalid or expired token where one is needed). */
  rejected: number;
  /** Reads that carried an invalid or expired token and were answered as anonymous. */
  anonymousFallbacks: number;
  /** Access tokens issued, by any route. */
  accessTokensIssued: number;
}

export interface ApiKeySpec {
  key: string;
  username: string;
  /** Default: every scope. `read` keys get 403 on uploads, writes and runs. */
  scopes?: Scope[];
}

export type Verified = { principal: Principal } | { error: "missing" | "invalid" | "expired" };

export class FlowAuth {
  readonly stats: FlowAuthStats = {
    logins: 0,
    loginFailures: 0,
    refreshes: 0,
    refreshFailures: 0,
    rejected: 0,
    anonymousFallbacks: 0,
    accessTokensIssued: 0,
  };
  readonly apiKeys = new Map<string, { userId: string; scopes: Set<Scope> }>();
  /** Live refresh tokens (by jti): logout and rotation remove them. */
  private readonly liveRefresh = new Map<string, string>();
  private readonly jwt = new JwtSigner();
  private jti = 0;

  constructor(
    private readonly store: Store,
    public accessTtlMs: number,
    public refreshTtlMs: number,
    public rotateRefresh: boolean,
  ) {}

  addApiKey(spec: ApiKeySpec): void {
    const user = this.store.userByName(spec.username);
    if (!user) throw new Error(`no sandbox user ${spec.username}`);
    this.apiKeys.set(spec.key, {
      userId: user.id,
      scopes: new Set(spec.scopes ?? ["read", "write", "run"]),
    });
  }

  /** A JWT access token; `exp` is in fractional seconds so sub-second test lifetimes work. */
  issueAccess(user: User, ttlMs = this.accessTtlMs): string {
    this.stats.accessTokensIssued++;
    const now = Date.now();
    return this.jwt.sign({
      token_type: "access",
      user_id: user.id,
      username: user.username,
      iat: Math.floor(now / 1000),
      exp: (now + ttlMs) / 1000,
      jti: `a${++this.jti}.${randomBytes(4).toString("hex")}`,
    });
  }

  issueRefresh(user: User): string {
    const now = Date.now();
    const jti = `r${++this.jti}.${randomBytes(6).toString("hex")}`;
    this.liveRefresh.set(jti, user.id);
    return this.jwt.sign({
      token_type: "refresh",
      user_id: user.id,
      iat: Math.floor(now / 1000),
      exp: (now + this.refreshTtlMs) / 1000,
      jti,
    });
  }

  /** `Set-Cookie` for a refresh token, as Django's `set_cookie(httponly=True)` writes it, plus SameSite=Lax. */
  refreshCookie(token: string): string {
    const maxAge = Math.max(1, Math.floor(this.refreshTtlMs / 1000));
    const expires = new Date(Date.now() + maxAge * 1000).toUTCString();
    return `${REFRESH_COOKIE}=${token}; expires=${expires}; HttpOnly; Max-Age=${maxAge}; Path=/; SameSite=Lax`;
  }

  clearCookie(): string {
    return `${REFRESH_COOKIE}=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=0; Path=/; SameSite=Lax`;
  }

  /** GET /token: a new access token from the cookie's refresh token (and a rotated cookie when enabled). */
  refresh(
    cookie: string | undefined,
  ):
    | { user: User; token: string; rotated?: string }
    | { error: "No refresh token supplied" | "Refresh token not valid" } {
    if (!cookie) {
      this.stats.refreshFailures++;
      return { error: "No refresh token supplied" };
    }
    const payload = this.jwt.verify(cookie);
    const user = payload ? this.store.users.get(String(payload.user_id)) : undefined;
    if (
      !payload ||
      !user ||
      payload.token_type !== "refresh" ||
      typeof payload.exp !== "number" ||
      payload.exp * 1000 <= Date.now() ||
      !this.liveRefresh.has(String(payload.jti))
    ) {
      this.stats.refreshFailures++;
      return { error: "Refresh token not valid" };
    }
    this.stats.refreshes++;
    const token = this.issueAccess(user);
    if (!this.rotateRefresh) return { user, token };
    this.liveRefresh.delete(String(payload.jti));
    return { user, token, rotated: this.issueRefresh(user) };
  }

  /** Logout: the refresh token stops working. */
  revokeRefresh(cookie: string | undefined): void {
    const payload = cookie ? this.jwt.verify(cookie) : undefined;
    if (payload) this.liveRefresh.delete(String(payload.jti));
  }

  /** Revokes every refresh token (of one user, or of all). */
  revokeAllRefresh(userId?: string): void {
    for (const [jti, owner] of this.liveRefresh)
      if (!userId || owner === userId) this.liveRefresh.delete(jti);
  }

  /** The Bearer header's token. */
  verify(req: IncomingMessage): Verified {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    return match ? this.verifyToken(match[1]!) : { error: "missing" };
  }

  /** An access JWT or API key, however it was sent (header or `?token=`). */
  verifyToken(token: string): Verified {
    const key = this.apiKeys.get(token);
    if (key) {
      const user = this.store.users.get(key.userId);
      return user ? { principal: { user, kind: "apiKey", scopes: key.scopes } } : { error: "invalid" };
    }
    const payload = this.jwt.verify(token);
    if (!payload || payload.token_type !== "access") return { error: "invalid" };
    if (typeof payload.exp !== "number" || payload.exp * 1000 <= Date.now()) return { error: "expired" };
    const user = this.store.users.get(String(payload.user_id));
    if (!user) return { error: "invalid" };
    return { principal: { user, kind: "jwt", scopes: new Set(["read", "write", "run"]) } };
  }

  /** The web app's session: a live `flow_refresh_token` cookie stands for its user (downloads accept it). */
  verifyRefreshCookie(cookie: string | undefined): Verified {
    if (!cookie) return { error: "missing" };
    const payload = this.jwt.verify(cookie);
    const user = payload ? this.store.users.get(String(payload.user_id)) : undefined;
    if (
      !payload ||
      !user ||
      payload.token_type !== "refresh" ||
      typeof payload.exp !== "number" ||
      payload.exp * 1000 <= Date.now() ||
      !this.liveRefresh.has(String(payload.jti))
    )
      return { error: "invalid" };
    return { principal: { user, kind: "jwt", scopes: new Set(["read", "write", "run"]) } };
  }
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
      return value === "" ? undefined : decodeURIComponent(value);
    }
  }
  return undefined;
}
