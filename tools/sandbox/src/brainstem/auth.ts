/**
 * BrainSTEM credentials: personal access tokens, the device authorization flow that issues them,
 * HS256 JWT access/refresh pairs with refresh rotation (seed 004), and the legacy /api/token/.
 */
import { createHash, randomBytes } from "node:crypto";
import { JwtSigner } from "../jwt.js";

export interface AuthStats {
  /** Successful POST /api/auth/token/ logins. */
  logins: number;
  /** Successful refreshes (each rotates the refresh token). */
  refreshes: number;
  /** Refresh attempts refused (reused, expired or forged refresh tokens). */
  refreshFailures: number;
  /** Tokens issued by the legacy POST /api/token/. */
  legacyTokens: number;
  deviceStarts: number;
  devicePolls: number;
  /** Requests refused with 401 because of a missing, unknown or expired token. */
  rejected: number;
}

export interface DeviceSession {
  deviceCode: string;
  userCode: string;
  clientName: string;
  expiresAt: number;
  state: "pending" | "approved" | "denied" | "used";
  userId?: number;
  lastPoll?: number;
}

export type Verified =
  | { userId: number; kind: "pat" | "jwt" }
  | { error: "expired" | "invalid" | "missing"; kind: "pat" | "jwt" | "none" };

const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

export class Auth {
  readonly stats: AuthStats = {
    logins: 0,
    refreshes: 0,
    refreshFailures: 0,
    legacyTokens: 0,
    deviceStarts: 0,
    devicePolls: 0,
    rejected: 0,
  };
  /** Personal access tokens: token -> owner. */
  readonly pats = new Map<string, { userId: number; tokenId: number; name: string }>();
  readonly devices = new Map<string, DeviceSession>();
  private readonly jwt = new JwtSigner();
  private readonly usedRefresh = new Set<string>();
  private nextTokenId = 1;
  private jti = 0;

  constructor(
    public accessTtlMs: number,
    public refreshTtlMs: number,
    public deviceIntervalSeconds: number,
    public deviceExpiresInMs: number,
    public deviceSlowDown: boolean,
  ) {}

  /** Registers a personal access token; deterministic when `token` is given. */
  addPat(userId: number, name: string, token?: string): string {
    const value = token ?? `bst_${randomBytes(20).toString("hex")}`;
    this.pats.set(value, { userId, tokenId: this.nextTokenId++, name });
    return value;
  }

  static fixedPat(handle: string): string {
    return `bst_${createHash("sha256").update(`brainstem-sandbox-pat/${handle}`).digest("hex").slice(0, 40)}`;
  }

  // ---------------------------------------------------------------- JWT

  /** A new access/refresh pair. `exp` is in (fractional) seconds, so short test lifetimes work. */
  issuePair(userId: number): { access: string; refresh: string; expires_in: number } {
    const now = Date.now();
    const common = { user_id: userId, iat: Math.floor(now / 1000) };
    const access = this.jwt.sign({
      ...common,
      token_type: "access",
      exp: (now + this.accessTtlMs) / 1000,
      jti: `a${++this.jti}.${randomBytes(6).toString("hex")}`,
    });
    const refresh = this.jwt.sign({
      ...common,
      token_type: "refresh",
      exp: (now + this.refreshTtlMs) / 1000,
      jti: `r${++this.jti}.${randomBytes(6).toString("hex")}`,
    });
    return { access, refresh, expires_in: Math.max(1, Math.ceil(this.accessTtlMs / 1000)) };
  }

  /** Rotates a refresh token: a new pair, and the one sent stops working. */
  refresh(token: string): { userId: number; pair: ReturnType<Auth["issuePair"]> } | undefined {
    const payload = this.jwt.verify(token);
    if (
      !payload ||
      payload.token_type !== "refresh" ||
      typeof payload.exp !== "number" ||
      payload.exp * 1000 <= Date.now() ||
      this.usedRefresh.has(String(payload.jti))
    ) {
      this.stats.refreshFailures++;
      return undefined;
    }
    this.usedRefresh.add(String(payload.jti));
    this.stats.refreshes++;
    return { userId: Number(payload.user_id), pair: this.issuePair(Number(payload.user_id)) };
  }

  /** Checks a bearer credential: a personal access token, or a JWT access token. */
  verify(authorization: string | undefined): Verified {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) return { error: "missing", kind: "none" };
    const token = match[1]!;
    const pat = this.pats.get(token);
    if (pat) return { userId: pat.userId, kind: "pat" };
    if (token.split(".").length !== 3) return { error: "invalid", kind: "pat" };
    const payload = this.jwt.verify(token);
    if (!payload || payload.token_type !== "access") return { error: "invalid", kind: "jwt" };
    if (typeof payload.exp !== "number" || payload.exp * 1000 <= Date.now())
      return { error: "expired", kind: "jwt" };
    return { userId: Number(payload.user_id), kind: "jwt" };
  }

  // ---------------------------------------------------------------- device flow

  startDevice(clientName: string): DeviceSession {
    this.stats.deviceStarts++;
    const bytes = randomBytes(8);
    const letters = [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]).join("");
    const session: DeviceSession = {
      deviceCode: randomBytes(24).toString("hex"),
      userCode: `${letters.slice(0, 4)}-${letters.slice(4)}`,
      clientName,
      expiresAt: Date.now() + this.deviceExpiresInMs,
      state: "pending",
    };
    this.devices.set(session.deviceCode, session);
    return session;
  }

  findDevice(code: string): DeviceSession | undefined {
    const direct = this.devices.get(code);
    if (direct) return direct;
    const wanted = code.toUpperCase();
    return [...this.devices.values()].find((d) => d.userCode === wanted);
  }

  /** The poll's answer (always HTTP 200). */
  pollDevice(deviceCode: string): Record<string, string> {
    this.stats.devicePolls++;
    const session = this.devices.get(deviceCode);
    if (!session) return { error: "invalid_device_code" };
    const now = Date.now();
    if (session.state === "used") return { error: "already_used" };
    if (session.state === "denied") return { error: "access_denied" };
    if (now >= session.expiresAt && session.state !== "approved") return { error: "expired_token" };
    if (session.state === "approved") {
      session.state = "used";
      return { status: "success", token: this.addPat(session.userId!, `Device: ${session.clientName}`) };
    }
    const tooSoon =
      this.deviceSlowDown &&
      session.lastPoll !== undefined &&
      now - session.lastPoll < this.deviceIntervalSeconds * 1000;
    session.lastPoll = now;
    return { status: tooSoon ? "slow_down" : "authorization_pending" };
  }
}
