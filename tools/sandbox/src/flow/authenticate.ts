/**
 * Who is calling: the refresh cookie for `/token`, a Bearer JWT or API key elsewhere. Reads that
 * allow anonymous callers treat a bad token as no token, as the server does; others get a 401.
 */
import type { IncomingMessage } from "node:http";
import type { HandlerResult } from "../spec-router.js";
import { readCookie, REFRESH_COOKIE } from "./auth.js";
import type { FlowContext } from "./context.js";
import { UNAUTHORIZED_MESSAGES } from "./replies.js";

/** The router's `authenticate` for one sandbox. */
export function authenticator(c: FlowContext) {
  const { auth } = c;
  /** The first credential the request carries among the placements the operation accepts. */
  const verifyAny = (req: IncomingMessage, security: string[][]) => {
    const accepts = (scheme: string) => security.some((alt) => alt.includes(scheme));
    if (req.headers.authorization || (!accepts("TokenQuery") && !accepts("RefreshCookie")))
      return auth.verify(req);
    const query = new URL(req.url ?? "/", "http://sandbox").searchParams.get("token");
    if (query !== null && accepts("TokenQuery")) return auth.verifyToken(query);
    if (accepts("RefreshCookie")) return auth.verifyRefreshCookie(readCookie(req, REFRESH_COOKIE));
    return auth.verify(req);
  };
  return (req: IncomingMessage, security: string[][]): { principal: unknown } | { reject: HandlerResult } => {
    // `/token` alone reads the cookie as its credential; its handler checks it.
    if (security.length > 0 && security.every((alt) => alt.includes("RefreshCookie")))
      return { principal: readCookie(req, REFRESH_COOKIE) };
    const anonymous = security.length === 0 || security.some((alt) => alt.length === 0);
    const verified = verifyAny(req, security);
    if ("principal" in verified) return { principal: verified.principal };
    if (anonymous) {
      if (verified.error !== "missing") auth.stats.anonymousFallbacks++;
      return { principal: undefined };
    }
    auth.stats.rejected++;
    return {
      reject: {
        status: 401,
        body: { error: UNAUTHORIZED_MESSAGES[verified.error] },
        headers: { "www-authenticate": 'Bearer realm="api"' },
      },
    };
  };
}
