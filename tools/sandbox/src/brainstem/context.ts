/**
 * What every BrainSTEM route shares: the store, the credentials, the handler table, per-request
 * state, and the small helpers (who is asking, which portal, the canned answers).
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage } from "node:http";
import type { Handler, HandlerResult, RequestContext } from "../spec-router.js";
import { Auth } from "./auth.js";
import type { ModelDef } from "./schema.js";
import type { Account, Id, Row, Store, Viewer } from "./store.js";
import type { FieldErrors } from "./validate.js";

export const NOT_FOUND = { status: 404, body: { detail: "Not found." } } satisfies HandlerResult;
export const FORBIDDEN = {
  status: 403,
  body: { detail: "You do not have permission to perform this action." },
} satisfies HandlerResult;
export const UNAUTHENTICATED = { "www-authenticate": 'Bearer realm="api"' };

/** A DRF validation error. */
export const bad = (errors: FieldErrors): HandlerResult => ({ status: 400, body: errors });

/** The portal of a URL (`/api/{portal}/…`). */
export type Portal = "private" | "public" | "super";

export type WriteMode = "create" | "replace" | "update";

/** Per-request state the validation-error hook needs (it is not handed the request). */
export interface RequestState {
  chunks: Buffer[];
  operationId?: string;
  user?: Account;
}

/** The sandbox's shared state; routes add their handlers to `handlers`. */
export class BrainstemContext {
  readonly handlers: Record<string, Handler> = {};
  readonly als = new AsyncLocalStorage<RequestState>();
  /** Write operations by id, for the validation hook's DRF-style messages. */
  readonly writeOps = new Map<string, { model: ModelDef; mode: WriteMode }>();
  readonly requiredBodyFields = new Map<string, string[]>();
  /** Set once the spec is read (the router reads it first). */
  store!: Store;
  models!: Map<string, ModelDef>;

  constructor(readonly auth: Auth) {}

  /** Checks the bearer token of a request that needs one; remembers the user for the request. */
  authenticate(req: IncomingMessage, security: string[][]): { principal: any } | { reject: HandlerResult } {
    if (security.length === 0 || security.some((alt) => alt.length === 0)) return { principal: {} };
    const v = this.auth.verify(req.headers.authorization);
    const reject = (body: Record<string, string>) => {
      this.auth.stats.rejected++;
      return { reject: { status: 401, body, headers: UNAUTHENTICATED } };
    };
    if ("error" in v)
      return reject({
        detail: v.error === "missing" ? "Authentication credentials were not provided." : "Invalid token.",
      });
    const user = this.store.account(v.userId);
    if (!user || !this.store.get("users/user", user.id))
      return reject({ detail: "User not found", code: "user_not_found" });
    const state = this.als.getStore();
    if (state) state.user = user;
    return { principal: { user } };
  }

  /** Who sees what: the public portal anonymously, the others as the token's user. */
  viewerOf(ctx: RequestContext, portal: Portal): Viewer {
    return portal === "public" ? { portal } : { portal: "private", user: ctx.principal.user };
  }

  userOf(ctx: RequestContext): Account {
    return ctx.principal.user;
  }

  normalizeId(m: ModelDef, raw: unknown): Id {
    return m.idType === "integer" ? Number(raw) : String(raw).toLowerCase();
  }

  /** `{ <detailKey>: record }`. */
  detail(m: ModelDef, row: Row, viewer: Viewer, include?: Map<string, any>): Record<string, unknown> {
    return { [m.detailKey]: this.store.serialize(m.key, row, viewer, include) };
  }

  /** The record of a record URL as the caller sees it, or the 404 to answer. */
  target(m: ModelDef, ctx: RequestContext, portal: Portal = "private"): Row | HandlerResult {
    const row = this.store.get(m.key, this.normalizeId(m, ctx.pathParams.id));
    if (!row || !this.store.canView(m.key, row, this.viewerOf(ctx, portal))) return NOT_FOUND;
    return row;
  }
}

/** True for a canned answer, false for a record. */
export const isResult = (x: Row | HandlerResult): x is HandlerResult => "status" in x;

/** Now, as the portal writes timestamps (seconds, `Z`). */
export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
