import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/**
 * HS256 JWTs signed with a key made at start-up: the sandboxes issue tokens the way the portals
 * do, and a token from another sandbox run (or a tampered one) never verifies.
 */
export class JwtSigner {
  private readonly secret = randomBytes(32);

  sign(payload: Record<string, unknown>): string {
    const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = b64url(JSON.stringify(payload));
    const sig = createHmac("sha256", this.secret).update(`${head}.${body}`).digest();
    return `${head}.${body}.${b64url(sig)}`;
  }

  /** The payload of a token this signer made, or undefined for anything else. */
  verify(token: string): Record<string, any> | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const expected = createHmac("sha256", this.secret).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2]!, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
  }
}
