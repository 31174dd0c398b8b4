/**
 * BrainSTEM credentials as the portal has them since 2FA (docs commit 9e93dec): personal access
 * tokens, and the device authorization flow that issues them. No password login.
 */
import { createHash, randomBytes } from "node:crypto";

export interface AuthStats {
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
  /** The `session` of the approval page's URL (`verification_uri_complete`). */
  sessionId: string;
  state: "pending" | "approved" | "denied" | "used";
  userId?: number;
  lastPoll?: number;
}

export type Verified = { userId: number } | { error: "invalid" | "missing" };

const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

export class Auth {
  readonly stats: AuthStats = {
    deviceStarts: 0,
    devicePolls: 0,
    rejected: 0,
  };
  /** Personal access tokens: token -> owner. */
  readonly pats = new Map<string, { userId: number; tokenId: number; name: string }>();
  readonly devices = new Map<string, DeviceSession>();
  private nextTokenId = 1;

  constructor(
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

  /** Checks a bearer credential: a personal access token. */
  verify(authorization: string | undefined): Verified {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) return { error: "missing" };
    const pat = this.pats.get(match[1]!);
    return pat ? { userId: pat.userId } : { error: "invalid" };
  }

  // ---------------------------------------------------------------- device flow

  startDevice(clientName: string): DeviceSession {
    this.stats.deviceStarts++;
    const bytes = randomBytes(8);
    const letters = [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]).join("");
    const session: DeviceSession = {
      deviceCode: randomBytes(24).toString("hex"),
      userCode: `${letters.slice(0, 4)}-${letters.slice(4)}`,
      sessionId: randomBytes(12).toString("hex"),
      clientName,
      expiresAt: Date.now() + this.deviceExpiresInMs,
      state: "pending",
    };
    this.devices.set(session.deviceCode, session);
    return session;
  }

  /** A device authorization by device code, user code (any case) or approval-page session id. */
  findDevice(code: string): DeviceSession | undefined {
    const direct = this.devices.get(code);
    if (direct) return direct;
    const wanted = code.trim().toUpperCase();
    return [...this.devices.values()].find((d) => d.userCode === wanted || d.sessionId === code);
  }

  /** Approves a pending authorization as `userId`; throws when it is unknown, finished or expired. */
  approve(code: string, userId: number): DeviceSession {
    const session = this.findDevice(code);
    if (!session) throw new Error(`no device authorization ${code}`);
    if (session.state !== "pending") throw new Error(`device authorization ${code} is ${session.state}`);
    if (Date.now() >= session.expiresAt) throw new Error(`device authorization ${code} has expired`);
    session.state = "approved";
    session.userId = userId;
    return session;
  }

  /** Denies an authorization; its next poll answers `access_denied`. */
  deny(code: string): void {
    const session = this.findDevice(code);
    if (!session) throw new Error(`no device authorization ${code}`);
    session.state = "denied";
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
