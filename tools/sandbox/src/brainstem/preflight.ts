/**
 * Answers for record URLs that Django and DRF give before the body is read: a malformed id is a
 * 404, the record is looked up (404) and its object permissions checked (403). The router
 * validates first, so these answers come from here.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { objectAt, type JsonObject } from "@sciportals/codegen/spec";
import { send } from "../spec-router.js";
import { FORBIDDEN, NOT_FOUND, type BrainstemContext } from "./context.js";
import { modelKey } from "./routes/table.js";
import { UUID_RE, type Account, type Viewer } from "./store.js";

const RECORD = /^\/api\/(private|public|super)\/([a-z_]+)\/([a-z_]+)\/([^/]+)\/(?:([a-z_]+)\/)?$/;

/** Answers a record URL that must fail before validation; returns true when it answered. */
export function preflight(
  cx: BrainstemContext,
  spec: JsonObject,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): boolean {
  const match = RECORD.exec(url.pathname);
  if (!match) return false;
  const [, portal, app, model, rawId, action] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  const m = cx.models.get(modelKey(app, model));
  const method = (req.method === "HEAD" ? "GET" : (req.method ?? "GET")).toLowerCase();
  const template = `/api/${portal}/${app}/${model}/{id}/${action ? `${action}/` : ""}`;
  const op = objectAt(objectAt(spec, "paths"), template)[method];
  if (!m || !op) return false;
  let user: Account | undefined;
  if (portal !== "public") {
    const result = cx.authenticate(req, [["PersonalAccessToken"]]);
    if ("reject" in result) {
      const r = result.reject as { status: number; body: unknown; headers: Record<string, string> };
      return (void send(res, r.status, r.body, r.headers), true);
    }
    user = result.principal.user;
    if (portal === "super" && !user!.isStaff) return (void send(res, 403, FORBIDDEN.body), true);
  }
  const idOk = m.idType === "integer" ? /^[1-9][0-9]*$/.test(rawId) : UUID_RE.test(rawId);
  const row = idOk ? cx.store.get(m.key, cx.normalizeId(m, rawId)) : undefined;
  const viewer: Viewer = portal === "public" ? { portal } : { portal: "private", user };
  if (!row || !cx.store.canView(m.key, row, viewer)) return (void send(res, 404, NOT_FOUND.body), true);
  if (!action && (method === "patch" || method === "put" || method === "delete")) {
    if (!cx.store.canChange(m.key, row, user!, method === "delete" ? "delete" : "update"))
      return (void send(res, 403, FORBIDDEN.body), true);
  }
  return false;
}
