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
  return (req: IncomingMessage, security: string[][]): { principal: unknown } | { reject: HandlerResult } => {
    if (security.some((alt) => alt.includes("RefreshCookie")))
      return { principal: readCookie(req, REFRESH_COOKIE) };
    const anonymous = security.length === 0 || security.some((alt) => alt.length === 0);
    const verified = auth.verify(req);
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
