import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import { deref, isObject, objectAt, operations, stringsOf } from "@sciportals/codegen/spec";
import { Faults } from "../faults.js";
import { listen, record, type RecordedRequest } from "../http.js";
import {
  send,
  SpecRouter,
  type Handler,
  type HandlerResult,
  type RequestContext,
  type Violation,
} from "../spec-router.js";
import { portalSpec } from "../portal-spec.js";
import { Auth, type AuthStats, type DeviceSession } from "./auth.js";
import { emailOf, loadFixtures, passwordOf, PEOPLE, type FixtureIds, type Handle } from "./fixtures.js";
import { applyFilters, applySort, parseInclude, parseListQuery, QueryError } from "./query.js";
import { readModels, type ModelDef } from "./schema.js";
import { defaultFor, idKey, Store, UUID_RE, type Account, type Id, type Row, type Viewer } from "./store.js";
import { drfFromProblems, validateWrite, type FieldErrors } from "./validate.js";

export interface BrainstemSandboxOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Lifetime of JWT access tokens from POST /api/auth/token/. Default 5 minutes (the portal: 1 hour). */
  accessTokenTtlMs?: number;
  /** Lifetime of refresh tokens. Default 30 days, as the portal. */
  refreshTokenTtlMs?: number;
  /** `interval` the device flow asks clients to wait between polls. Default 5 s, as the portal. */
  deviceIntervalSeconds?: number;
  /** How long a device code lives. Default 15 minutes, as the portal. */
  deviceExpiresInMs?: number;
  /** Answer `slow_down` to polls that come sooner than the interval. Default false. */
  deviceSlowDown?: boolean;
  /** Generated public projects (owned by carol) on top of the four hand-written ones. Default 26. */
  publicProjects?: number;
}

export interface SandboxUser {
  id: number;
  email: string;
  password: string;
  /** A personal access token (`Authorization: Bearer <token>`). */
  token: string;
  isStaff: boolean;
}

export interface BrainstemSandbox {
  /** Base URL, for `createBrainstemClient({ baseUrl })`. */
  url: string;
  /** alice's personal access token. */
  token: string;
  /** The fixture accounts: alice (owner), bob (changer), carol (viewer), dave (outsider), admin (staff). */
  users: Record<Handle, SandboxUser>;
  /** UUIDs of the fixture records by key, e.g. `ids["project/visual"]`, `ids["session/v1-1"]`. */
  ids: FixtureIds;
  faults: Faults;
  /** Requests, newest last (no credentials). */
  requests: RecordedRequest[];
  /** Requests or responses that broke the spec; tests expect none. */
  violations: Violation[];
  /** Counters: logins, refreshes (each a rotation), refreshFailures, device polls, 401s... */
  stats: AuthStats;
  /** Every operationId the sandbox implements (all of the spec's). */
  operations: string[];
  /** Approves a pending device authorization (by user code or device code) as a user (default alice). */
  approveDevice(code: string, user?: Handle): void;
  /** Denies a pending device authorization; the next poll answers `access_denied`. */
  denyDevice(code: string): void;
  /** Device authorizations started and not yet finished. */
  pendingDevices(): Pick<DeviceSession, "deviceCode" | "userCode" | "clientName" | "expiresAt">[];
  /** An access/refresh pair for a user, as POST /api/auth/token/ would issue it (not counted as a login). */
  issueTokens(user?: Handle): { access: string; refresh: string; expires_in: number };
  /** Changes the lifetime of access tokens issued from now on. */
  setAccessTokenTtl(ms: number): void;
  /** A record as staff sees it (`model` is `app/model`), or undefined when there is none. */
  record(model: string, id: Id): Record<string, unknown> | undefined;
  close(): Promise<void>;
}

const NOT_FOUND = { status: 404, body: { detail: "Not found." } } satisfies HandlerResult;
const FORBIDDEN = {
  status: 403,
  body: { detail: "You do not have permission to perform this action." },
} satisfies HandlerResult;
const UNAUTHENTICATED = { "www-authenticate": 'Bearer realm="api"' };
const APPROVAL_EXTRAS = new Set(["instance_id", "action", "reviewer", "status"]);

type WriteMode = "create" | "replace" | "update";

/** Per-request state the validation-error hook needs (it is not handed the request). */
interface RequestState {
  chunks: Buffer[];
  operationId?: string;
  user?: Account;
}

const bad = (errors: FieldErrors): HandlerResult => ({ status: 400, body: errors });

/** Starts the BrainSTEM sandbox: private and public portals, tokens, device flow. */
export async function startBrainstemSandbox(
  options: BrainstemSandboxOptions = {},
): Promise<BrainstemSandbox> {
  const handlers: Record<string, Handler> = {};
  const als = new AsyncLocalStorage<RequestState>();
  const auth = new Auth(
    options.accessTokenTtlMs ?? 5 * 60_000,
    options.refreshTokenTtlMs ?? 30 * 24 * 3_600_000,
    options.deviceIntervalSeconds ?? 5,
    options.deviceExpiresInMs ?? 15 * 60_000,
    options.deviceSlowDown ?? false,
  );
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const writeOps = new Map<string, { model: ModelDef; mode: WriteMode }>();
  const requiredBodyFields = new Map<string, string[]>();
  let store: Store;

  function authenticate(
    req: IncomingMessage,
    security: string[][],
  ): { principal: any } | { reject: HandlerResult } {
    if (security.length === 0 || security.some((alt) => alt.length === 0)) return { principal: {} };
    const v = auth.verify(req.headers.authorization);
    if ("error" in v) {
      auth.stats.rejected++;
      const body =
        v.kind === "jwt"
          ? {
              detail: "Given token not valid for any token type",
              code: "token_not_valid",
              messages: [
                {
                  token_class: "AccessToken",
                  token_type: "access",
                  message: v.error === "expired" ? "Token is expired" : "Token is invalid",
                },
              ],
            }
          : {
              detail:
                v.error === "missing" ? "Authentication credentials were not provided." : "Invalid token.",
            };
      return { reject: { status: 401, body, headers: UNAUTHENTICATED } };
    }
    const user = store.account(v.userId);
    if (!user || !store.get("users/user", user.id)) {
      auth.stats.rejected++;
      return {
        reject: {
          status: 401,
          body: { detail: "User not found", code: "user_not_found" },
          headers: UNAUTHENTICATED,
        },
      };
    }
    const state = als.getStore();
    if (state) state.user = user;
    return { principal: { user } };
  }

  const router = new SpecRouter({
    spec: await portalSpec("brainstem"),
    handlers,
    errorBody: (_status, message) => ({ detail: message }),
    validationStatus: 400,
    validationBody(problems) {
      const state = als.getStore();
      let body: unknown;
      const raw = state ? Buffer.concat(state.chunks).toString("utf8") : "";
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const write = state?.operationId ? writeOps.get(state.operationId) : undefined;
      if (write && body !== undefined && problems.some((p) => p.location === "body")) {
        const viewer: Viewer = { portal: "private", user: state!.user };
        const result = validateWrite({ store, viewer }, write.model, body, write.mode);
        const others = problems.filter((p) => p.location !== "body");
        if (result.errors)
          return { ...(others.length ? drfFromProblems(others, body) : {}), ...result.errors };
      }
      return drfFromProblems(problems, body, requiredBodyFields.get(state?.operationId ?? "") ?? []);
    },
    authenticate(req, security, operationId) {
      const state = als.getStore();
      if (state) state.operationId = operationId;
      return authenticate(req, security);
    },
  });

  const models = readModels(router.spec);
  store = new Store(models);
  const ids = loadFixtures(store, { publicProjects: options.publicProjects ?? 26 });
  const users = {} as Record<Handle, SandboxUser>;
  for (const [handle, p] of Object.entries(PEOPLE) as [Handle, (typeof PEOPLE)[Handle]][]) {
    const token = auth.addPat(p.id, "Sandbox fixture token", Auth.fixedPat(handle));
    users[handle] = {
      id: p.id,
      email: emailOf(handle),
      password: passwordOf(handle),
      token,
      isStaff: p.isStaff,
    };
  }

  // ------------------------------------------------------------------ helpers

  const viewerOf = (ctx: RequestContext, portal: "public" | "private"): Viewer =>
    portal === "public" ? { portal } : { portal, user: ctx.principal.user };
  const userOf = (ctx: RequestContext): Account => ctx.principal.user;
  const normalizeId = (m: ModelDef, raw: unknown): Id =>
    m.idType === "integer" ? Number(raw) : String(raw).toLowerCase();
  const detail = (m: ModelDef, row: Row, viewer: Viewer, include?: Map<string, any>) => ({
    [m.detailKey]: store.serialize(m.key, row, viewer, include),
  });
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

  function uniqueErrors(m: ModelDef, data: Record<string, unknown>, self?: Id): FieldErrors | undefined {
    const errors: FieldErrors = {};
    for (const f of m.input?.values() ?? []) {
      if (!f.unique || data[f.name] === undefined || data[f.name] === null) continue;
      const wanted = String(data[f.name]).toLowerCase();
      const clash = store
        .rows(m.key)
        .some(
          (r) =>
            (self === undefined || idKey(r.id) !== idKey(self)) &&
            String(r.data[f.name] ?? "").toLowerCase() === wanted,
        );
      if (clash) errors[f.name] = [`${m.model} with this ${f.name.replace(/_/g, " ")} already exists.`];
    }
    return Object.keys(errors).length ? errors : undefined;
  }

  /** Rules the docs state beyond field types. */
  function semanticErrors(m: ModelDef, data: Record<string, any>): FieldErrors | undefined {
    const inProject = (subjectId: Id) =>
      (store.get("stem/subject", subjectId)?.data.projects ?? []).some(
        (p: Id) => idKey(p) === idKey(data.project),
      );
    if (m.key === "stem/cohort") {
      const outside = (data.subjects ?? []).filter((s: Id) => !inProject(s));
      if (outside.length)
        return { subjects: [`Subject "${outside[0]}" does not belong to the cohort's project.`] };
    }
    if (m.key === "stem/breeding") {
      for (const parent of ["mother", "father"])
        if (data[parent] && !inProject(data[parent]))
          return { [parent]: [`The ${parent} must belong to the breeding's project.`] };
    }
    return undefined;
  }

  /** Applies a project's or group's membership changes; new members are invited, not added. */
  function applyMembers(m: ModelDef, row: Row, field: string, changes: Record<string, any>, actor: Account) {
    const current: Record<string, any> = (row.data[field] ??= {});
    for (const [name, change] of Object.entries(changes)) {
      const memberId =
        field === "groups"
          ? Number(store.rows("users/group").find((g) => g.data.name === name)!.id)
          : store.accountByEmail(name)!.id;
      if (change.remove) {
        delete current[memberId];
        continue;
      }
      if (m.key === "users/group") {
        const perms = { is_manager: Boolean(change.is_manager), is_owner: Boolean(change.is_owner) };
        if (current[memberId] || memberId === actor.id) current[memberId] = perms;
        else
          store.insert("users/groupmembershipinvitation", {
            user_account_invitation: memberId,
            authgroup: row.id,
            new_manager: perms.is_manager,
            new_owner: perms.is_owner,
          });
        continue;
      }
      const perms = {
        can_change: Boolean(change.can_change),
        is_manager: Boolean(change.is_manager),
        is_owner: Boolean(change.is_owner),
      };
      if (current[memberId] || (field === "users" && memberId === actor.id)) current[memberId] = perms;
      else
        store.insert(
          field === "users" ? "stem/projectmembershipinvitation" : "stem/projectgroupmembershipinvitation",
          {
            invitee: memberId,
            project: row.id,
            can_change: perms.can_change,
            manage_project: perms.is_manager,
            own_project: perms.is_owner,
          },
        );
    }
  }

  const MEMBER_FIELDS: Record<string, string[]> = {
    "stem/project": ["users", "groups"],
    "users/group": ["users"],
  };

  function writeRecord(m: ModelDef, row: Row | undefined, data: Record<string, any>, actor: Account): Row {
    const memberFields = MEMBER_FIELDS[m.key] ?? [];
    const plain = Object.fromEntries(Object.entries(data).filter(([k]) => !memberFields.includes(k)));
    if (!row) {
      const meta: { owner?: number; group?: number } = { owner: actor.id };
      const scope = store.scope(m.key);
      if (scope.kind === "owned") {
        const group = store.groupsOf(actor.id)[0];
        if (group !== undefined) meta.group = group;
      }
      const initial: Record<string, any> = { ...plain };
      if (m.key === "stem/project")
        initial.users = { [actor.id]: { can_change: true, is_manager: true, is_owner: true } };
      if (m.key === "users/group") initial.users = { [actor.id]: { is_manager: true, is_owner: true } };
      if (m.key === "modules/subjectlog") initial.user = actor.id;
      if (m.fields.has("entries")) initial.entries = [];
      if (m.fields.has("created_at")) initial.created_at = initial.updated_at = now();
      row = store.insert(m.key, initial, meta);
    } else {
      Object.assign(row.data, plain);
      if (m.fields.has("updated_at")) row.data.updated_at = now();
    }
    for (const field of memberFields) if (data[field]) applyMembers(m, row, field, data[field], actor);
    return row;
  }

  function proposal(
    m: ModelDef,
    action: "Add" | "Change",
    fields: Record<string, any>,
    actor: Account,
    instance?: Row,
  ) {
    const approval = store.model(m.approvalModel!);
    const data: Record<string, any> = {};
    for (const f of approval.fields.values())
      if (!APPROVAL_EXTRAS.has(f.name)) data[f.name] = fields[f.name] ?? defaultFor(f);
    Object.assign(data, { instance_id: instance?.id ?? null, action, reviewer: null, status: "Pending" });
    const row = store.insert(approval.key, data, { owner: actor.id });
    return { [approval.detailKey]: store.serialize(approval.key, row, { portal: "private", user: actor }) };
  }

  // ------------------------------------------------------------------ generic handlers

  const list =
    (m: ModelDef, portal: "public" | "private"): Handler =>
    (ctx) => {
      const viewer = viewerOf(ctx, portal);
      let query;
      try {
        query = parseListQuery(store, m, ctx.rawQuery);
      } catch (e) {
        if (e instanceof QueryError) return bad({ detail: e.message });
        throw e;
      }
      let rows = store.rows(m.key).filter((r) => store.canView(m.key, r, viewer));
      rows = applySort(store, m.key, applyFilters(store, m.key, rows, query.filters), query.sort);
      const limit = (ctx.query.limit as number | undefined) ?? 20;
      const offset = (ctx.query.offset as number | undefined) ?? 0;
      const link = (to: number | undefined) => {
        const params = new URLSearchParams(ctx.rawQuery);
        params.set("limit", String(limit));
        if (to === undefined) params.delete("offset");
        else params.set("offset", String(to));
        return `http://${ctx.headers.host ?? "127.0.0.1"}${ctx.path}?${params}`;
      };
      return {
        status: 200,
        body: {
          [m.listKey]: rows
            .slice(offset, offset + limit)
            .map((r) => store.serialize(m.key, r, viewer, query.include)),
          count: rows.length,
          next: offset + limit < rows.length ? link(offset + limit) : null,
          previous: offset <= 0 ? null : link(offset - limit > 0 ? offset - limit : undefined),
        },
      };
    };

  const get =
    (m: ModelDef, portal: "public" | "private"): Handler =>
    (ctx) => {
      const viewer = viewerOf(ctx, portal);
      const includes = [...ctx.rawQuery.getAll("include[]"), ...ctx.rawQuery.getAll("include")];
      let include;
      try {
        include = parseInclude(store, m, includes.flatMap((v) => v.split(",")).filter(Boolean));
      } catch (e) {
        if (e instanceof QueryError) return bad({ detail: e.message });
        throw e;
      }
      const row = store.get(m.key, normalizeId(m, ctx.pathParams.id));
      if (!row || !store.canView(m.key, row, viewer)) return NOT_FOUND;
      return { status: 200, body: detail(m, row, viewer, include) };
    };

  const create =
    (m: ModelDef): Handler =>
    (ctx) => {
      const user = userOf(ctx);
      const viewer = viewerOf(ctx, "private");
      const { errors, data } = validateWrite({ store, viewer }, m, ctx.body, "create");
      if (errors) return bad(errors);
      const more = uniqueErrors(m, data) ?? semanticErrors(m, data);
      if (more) return bad(more);
      if (!store.canCreate(m.key, data, user)) return FORBIDDEN;
      if (m.approvalModel && !user.isStaff) return { status: 201, body: proposal(m, "Add", data, user) };
      const row = writeRecord(m, undefined, data, user);
      return { status: 201, body: detail(m, row, viewer) };
    };

  const update =
    (m: ModelDef, mode: "replace" | "update"): Handler =>
    (ctx) => {
      const user = userOf(ctx);
      const viewer = viewerOf(ctx, "private");
      const row = store.get(m.key, normalizeId(m, ctx.pathParams.id));
      if (!row || !store.canView(m.key, row, viewer)) return NOT_FOUND;
      if (!store.canChange(m.key, row, user, "update")) return FORBIDDEN;
      const { errors, data } = validateWrite({ store, viewer }, m, ctx.body, mode);
      if (errors) return bad(errors);
      const merged = { ...row.data, ...data };
      const more = uniqueErrors(m, data, row.id) ?? semanticErrors(m, merged);
      if (more) return bad(more);
      const scope = store.scope(m.key);
      if ((scope.kind === "projects" || scope.kind === "parent") && !store.canCreate(m.key, merged, user))
        return FORBIDDEN;
      if (m.key === "stem/project" && (data.users || data.groups) && !store.isProjectManager(row, user))
        return FORBIDDEN;
      if (m.approvalModel && !user.isStaff)
        return { status: 200, body: proposal(m, "Change", merged, user, row) };
      writeRecord(m, row, data, user);
      return { status: 200, body: detail(m, row, viewer) };
    };

  const remove =
    (m: ModelDef): Handler =>
    (ctx) => {
      const user = userOf(ctx);
      const row = store.get(m.key, normalizeId(m, ctx.pathParams.id));
      if (!row || !store.canView(m.key, row, viewerOf(ctx, "private"))) return NOT_FOUND;
      if (!store.canChange(m.key, row, user, "delete")) return FORBIDDEN;
      store.remove(m.key, row.id);
      return { status: 204 };
    };

  // ------------------------------------------------------------------ custom actions

  /** Finds the record of an action: 404 when missing or invisible. */
  const target = (m: ModelDef, ctx: RequestContext): Row | HandlerResult => {
    const row = store.get(m.key, normalizeId(m, ctx.pathParams.id));
    if (!row || !store.canView(m.key, row, viewerOf(ctx, "private"))) return NOT_FOUND;
    return row;
  };
  const isResult = (x: Row | HandlerResult): x is HandlerResult => "status" in x;

  const invitationAction =
    (m: ModelDef, action: "accept" | "reject" | "cancel"): Handler =>
    (ctx) => {
      const user = userOf(ctx);
      const row = target(m, ctx);
      if (isResult(row)) return row;
      const d = row.data;
      const project = d.project ? store.get("stem/project", d.project) : undefined;
      const managesProject = project !== undefined && store.isProjectManager(project, user);
      let answerer: boolean;
      let canceller: boolean;
      switch (m.key) {
        case "stem/projectmembershipinvitation":
          answerer = d.invitee === user.id;
          canceller = managesProject;
          break;
        case "stem/projectgroupmembershipinvitation":
          answerer = store.isGroupManager(d.invitee, user);
          canceller = managesProject;
          break;
        case "users/groupmembershipinvitation":
          answerer = d.user_account_invitation === user.id;
          canceller = store.isGroupManager(d.authgroup, user);
          break;
        default: // group membership request: the group answers, the requester cancels
          answerer = store.isGroupManager(d.authgroup, user);
          canceller = d.user_account_request === user.id;
      }
      const allowed = user.isStaff || (action === "cancel" ? canceller : answerer);
      if (!allowed) return FORBIDDEN;
      if (action === "accept") {
        const perms = {
          can_change: Boolean(d.can_change),
          is_manager: Boolean(d.manage_project),
          is_owner: Boolean(d.own_project),
        };
        if (m.key === "stem/projectmembershipinvitation" && project)
          (project.data.users ??= {})[d.invitee] = perms;
        if (m.key === "stem/projectgroupmembershipinvitation" && project)
          (project.data.groups ??= {})[d.invitee] = perms;
        const group = store.get("users/group", d.authgroup);
        if (m.key === "users/groupmembershipinvitation" && group)
          (group.data.users ??= {})[d.user_account_invitation] = {
            is_manager: Boolean(d.new_manager),
            is_owner: Boolean(d.new_owner),
          };
        if (m.key === "users/groupmembershiprequest" && group)
          (group.data.users ??= {})[d.user_account_request] = { is_manager: false, is_owner: false };
      }
      store.remove(m.key, row.id);
      const done = { accept: "accepted", reject: "rejected", cancel: "cancelled" }[action];
      return {
        status: 200,
        body: { detail: `The ${m.model.includes("request") ? "request" : "invitation"} was ${done}.` },
      };
    };

  const groupAction =
    (m: ModelDef, action: "join" | "leave"): Handler =>
    (ctx) => {
      const user = userOf(ctx);
      const group = target(m, ctx);
      if (isResult(group)) return group;
      const member = group.data.users?.[user.id];
      if (action === "leave") {
        if (!member) return bad({ detail: "You are not a member of this group." });
        delete group.data.users[user.id];
        return { status: 200, body: { detail: `You left ${group.data.name}.` } };
      }
      if (member) return bad({ detail: "You are already a member of this group." });
      const requests = store.model("users/groupmembershiprequest");
      if (
        store
          .rows(requests.key)
          .some((r) => r.data.user_account_request === user.id && r.data.authgroup === group.id)
      )
        return bad({ detail: "You have already asked to join this group." });
      const request = store.insert(requests.key, { user_account_request: user.id, authgroup: group.id });
      return {
        status: 200,
        body: {
          detail: `Asked to join ${group.data.name}.`,
          [requests.detailKey]: store.serialize(requests.key, request, viewerOf(ctx, "private")),
        },
      };
    };

  const approvalAction =
    (m: ModelDef, action: "accept" | "reject"): Handler =>
    (ctx) => {
      const user = userOf(ctx);
      const row = target(m, ctx);
      if (isResult(row)) return row;
      if (!user.isStaff) return FORBIDDEN;
      if (row.data.status !== "Pending")
        return {
          status: 403,
          body: { detail: `This approval was already ${String(row.data.status).toLowerCase()}.` },
        };
      const base = store.model(m.approvalOf!);
      const viewer = viewerOf(ctx, "private");
      const body: Record<string, unknown> = {};
      if (action === "accept") {
        const fields: Record<string, any> = {};
        for (const name of base.input?.keys() ?? []) if (name in row.data) fields[name] = row.data[name];
        let instance = store.get(base.key, row.data.instance_id);
        if (row.data.action === "Change" && !instance) return NOT_FOUND;
        if (instance) Object.assign(instance.data, fields);
        else instance = store.insert(base.key, fields, { owner: row.meta.owner });
        row.data.instance_id = instance.id;
        body[base.detailKey] = store.serialize(base.key, instance, viewer);
      }
      row.data.status = action === "accept" ? "Accepted" : "Rejected";
      row.data.reviewer = user.id;
      body[m.detailKey] = store.serialize(m.key, row, viewer);
      return { status: 200, body };
    };

  const entryKey = (e: Record<string, any>): string | undefined => e.date_time ?? e.start_date_time;

  const entryAction =
    (m: ModelDef, action: "add" | "change" | "remove"): Handler =>
    (ctx) => {
      const user = userOf(ctx);
      const row = target(m, ctx);
      if (isResult(row)) return row;
      if (!store.canChange(m.key, row, user, "update")) return FORBIDDEN;
      const body = ctx.body as Record<string, any>;
      const key = entryKey(body);
      const keyField = body.date_time !== undefined ? "date_time" : "start_date_time";
      const entries: Record<string, any>[] = (row.data.entries ??= []);
      const at = entries.findIndex(
        (e) => key !== undefined && Date.parse(entryKey(e) ?? "") === Date.parse(key),
      );
      if (action === "add") {
        if (at >= 0) return bad({ [keyField]: [`An entry at ${key} already exists.`] });
        if (
          body.start_date_time &&
          body.end_date_time &&
          Date.parse(body.end_date_time) < Date.parse(body.start_date_time)
        )
          return bad({ end_date_time: ["The end must not come before the start."] });
        entries.push({ notes: null, details: null, ...body });
        entries.sort((a, b) => Date.parse(entryKey(a) ?? "") - Date.parse(entryKey(b) ?? ""));
      } else {
        if (at < 0) return bad({ [keyField]: [`No entry at ${key}.`] });
        if (action === "change") entries[at] = { ...entries[at], ...body };
        else entries.splice(at, 1);
      }
      return { status: 200, body: detail(m, row, viewerOf(ctx, "private")) };
    };

  // ------------------------------------------------------------------ auth operations

  handlers.startDeviceAuthorization = (ctx) => {
    const clientName = typeof ctx.body?.client_name === "string" ? ctx.body.client_name : "unknown client";
    const session = auth.startDevice(clientName);
    const base = `http://${ctx.headers.host ?? "127.0.0.1"}`;
    return {
      status: 200,
      body: {
        device_code: session.deviceCode,
        user_code: session.userCode,
        verification_uri: `${base}/private/users/device/`,
        verification_uri_complete: `${base}/private/users/device/?user_code=${session.userCode}`,
        interval: auth.deviceIntervalSeconds,
        expires_in: Math.ceil(auth.deviceExpiresInMs / 1000),
      },
    };
  };
  handlers.pollDeviceAuthorization = (ctx) => ({
    status: 200,
    body: auth.pollDevice(String(ctx.body.device_code)),
  });
  handlers.login = (ctx) => {
    const account = store.accountByEmail(String(ctx.body.email));
    if (!account || account.password !== ctx.body.password)
      return { status: 401, body: { detail: "No active account found with the given credentials" } };
    auth.stats.logins++;
    const pair = auth.issuePair(account.id);
    return {
      status: 200,
      body: { access: pair.access, refresh: pair.refresh, token_type: "bearer", expires_in: pair.expires_in },
    };
  };
  handlers.refreshToken = (ctx) => {
    const result = auth.refresh(String(ctx.body.refresh));
    if (!result)
      return { status: 401, body: { detail: "Token is invalid or expired", code: "token_not_valid" } };
    const { pair } = result;
    return {
      status: 200,
      body: { access: pair.access, refresh: pair.refresh, token_type: "bearer", expires_in: pair.expires_in },
    };
  };
  handlers.obtainLegacyToken = (ctx) => {
    const account = store.accountByEmail(String(ctx.body.username));
    if (!account || account.password !== ctx.body.password)
      return { status: 400, body: { non_field_errors: ["Unable to log in with provided credentials."] } };
    auth.stats.legacyTokens++;
    const token = auth.addPat(account.id, "Legacy token (POST /api/token/)");
    const tokenId = auth.pats.get(token)!.tokenId;
    return {
      status: 200,
      body: { access: token, token, token_id: tokenId, message: "Token created successfully" },
    };
  };

  // ------------------------------------------------------------------ route table from the spec

  const ROUTE = /^\/api\/(private|public)\/([a-z_]+)\/([a-z]+)\/(?:\{id\}\/(?:([a-z_]+)\/)?)?$/;
  for (const { path, method, op } of operations(router.spec)) {
    const opId = String(op.operationId);
    const body = objectAt(objectAt(op.requestBody, "content"), "application/json");
    const schema = deref(router.spec, body.schema);
    if (isObject(schema)) requiredBodyFields.set(opId, stringsOf(schema.required));
    const match = ROUTE.exec(path);
    if (!match) {
      if (!handlers[opId]) throw new Error(`brainstem sandbox: no handler for ${opId}`);
      continue;
    }
    const [, portal, app, model, action] = match as unknown as [
      string,
      "private" | "public",
      string,
      string,
      string?,
    ];
    const m = store.model(`${app}/${model}`);
    const hasId = path.includes("{id}");
    if (!action) {
      if (method === "get") handlers[opId] = hasId ? get(m, portal) : list(m, portal);
      else if (method === "post") handlers[opId] = create(m);
      else if (method === "delete") handlers[opId] = remove(m);
      else handlers[opId] = update(m, method === "put" ? "replace" : "update");
      if (method === "post" || method === "put" || method === "patch")
        writeOps.set(opId, {
          model: m,
          mode: method === "post" ? "create" : method === "put" ? "replace" : "update",
        });
    } else if (m.kind === "invitation")
      handlers[opId] = invitationAction(m, action as "accept" | "reject" | "cancel");
    else if (m.kind === "approval") handlers[opId] = approvalAction(m, action as "accept" | "reject");
    else if (action === "join" || action === "leave") handlers[opId] = groupAction(m, action);
    else if (action.endsWith("_entry"))
      handlers[opId] = entryAction(m, action.replace("_entry", "") as "add" | "change" | "remove");
    else throw new Error(`brainstem sandbox: unknown action ${path}`);
  }

  // ------------------------------------------------------------------ preflight for record URLs

  const RECORD = /^\/api\/(private|public)\/([a-z_]+)\/([a-z]+)\/([^/]+)\/(?:([a-z_]+)\/)?$/;
  /**
   * Django answers a malformed id with 404, and DRF looks the record up (404) and checks object
   * permissions (403) before it reads the body. The router validates first, so record URLs get
   * these answers here. Returns true when it answered.
   */
  function preflight(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const match = RECORD.exec(url.pathname);
    if (!match) return false;
    const [, portal, app, model, rawId, action] = match as unknown as [
      string,
      "private" | "public",
      string,
      string,
      string,
      string?,
    ];
    const m = models.get(`${app}/${model}`);
    const method = (req.method === "HEAD" ? "GET" : (req.method ?? "GET")).toLowerCase();
    const template = `/api/${portal}/${app}/${model}/{id}/${action ? `${action}/` : ""}`;
    const op = objectAt(objectAt(router.spec, "paths"), template)[method];
    if (!m || !op) return false;
    let user: Account | undefined;
    if (portal === "private") {
      const result = authenticate(req, [["PersonalAccessToken"]]);
      if ("reject" in result) {
        const r = result.reject as { status: number; body: unknown; headers: Record<string, string> };
        return (void send(res, r.status, r.body, r.headers), true);
      }
      user = result.principal.user;
    }
    const idOk = m.idType === "integer" ? /^[1-9][0-9]*$/.test(rawId) : UUID_RE.test(rawId);
    const row = idOk ? store.get(m.key, normalizeId(m, rawId)) : undefined;
    const viewer: Viewer = portal === "public" ? { portal } : { portal, user };
    if (!row || !store.canView(m.key, row, viewer)) return (void send(res, 404, NOT_FOUND.body), true);
    if (!action && (method === "patch" || method === "put" || method === "delete")) {
      if (!store.canChange(m.key, row, user!, method === "delete" ? "delete" : "update"))
        return (void send(res, 403, FORBIDDEN.body), true);
    }
    return false;
  }

  const api = await listen(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const entry = record(req, url);
    requests.push(entry);
    res.on("finish", () => (entry.status = res.statusCode));
    try {
      if (await faults.intercept(req, res, (status) => ({ detail: `Injected ${status}` }))) return;
      if (preflight(req, res, url)) return void req.resume();
      const state: RequestState = { chunks: [] };
      // Tee the body for the validation hook; the router attaches its own reader in the same tick.
      req.on("data", (chunk: Buffer) => state.chunks.push(chunk));
      await als.run(state, () => router.handle(req, res, url));
    } catch (error) {
      send(res, 500, { detail: `sandbox error: ${(error as Error).message}` });
    }
  }, options.port ?? 0);

  return {
    url: api.url,
    token: users.alice.token,
    users,
    ids,
    faults,
    requests,
    violations: router.violations,
    stats: auth.stats,
    operations: Object.keys(handlers).sort(),
    approveDevice(code, user = "alice") {
      const session = auth.findDevice(code);
      if (!session) throw new Error(`no device authorization ${code}`);
      if (session.state !== "pending") throw new Error(`device authorization ${code} is ${session.state}`);
      if (Date.now() >= session.expiresAt) throw new Error(`device authorization ${code} has expired`);
      session.state = "approved";
      session.userId = PEOPLE[user].id;
    },
    denyDevice(code) {
      const session = auth.findDevice(code);
      if (!session) throw new Error(`no device authorization ${code}`);
      session.state = "denied";
    },
    pendingDevices: () =>
      [...auth.devices.values()]
        .filter((d) => d.state === "pending" && d.expiresAt > Date.now())
        .map(({ deviceCode, userCode, clientName, expiresAt }) => ({
          deviceCode,
          userCode,
          clientName,
          expiresAt,
        })),
    issueTokens: (user = "alice") => auth.issuePair(PEOPLE[user].id),
    setAccessTokenTtl: (ms) => void (auth.accessTtlMs = ms),
    record(model, id) {
      const row = store.get(model, id);
      const admin = store.account(PEOPLE.admin.id)!;
      return row ? store.serialize(model, row, { portal: "private", user: admin }) : undefined;
    },
    close: () => api.close(),
  };
}
