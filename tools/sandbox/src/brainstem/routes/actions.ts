/**
 * Custom actions on a record (`/{id}/<action>/`): invitation and request answers, group join and
 * leave, approval reviews, and log entries.
 * @module
 */
import type { Handler } from "../../spec-router.js";
import { bad, FORBIDDEN, isResult, NOT_FOUND, type BrainstemContext } from "../context.js";
import type { ModelDef } from "../schema.js";

/** `accept/`, `reject/`, `cancel/` of the project and group invitations and the group requests. */
export const invitationAction =
  (cx: BrainstemContext, m: ModelDef, action: "accept" | "reject" | "cancel"): Handler =>
  (ctx) => {
    const { store } = cx;
    const user = cx.userOf(ctx);
    const row = cx.target(m, ctx);
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
    if (!(user.isStaff || (action === "cancel" ? canceller : answerer))) return FORBIDDEN;
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

/** `join/` (asks to join: a membership request) and `leave/` of a group. */
export const groupAction =
  (cx: BrainstemContext, m: ModelDef, action: "join" | "leave"): Handler =>
  (ctx) => {
    const { store } = cx;
    const user = cx.userOf(ctx);
    const group = cx.target(m, ctx);
    if (isResult(group)) return group;
    const member = group.data.users?.[user.id];
    if (action === "leave") {
      if (!member) return bad({ detail: "You are not a member of this group." });
      delete group.data.users[user.id];
      return { status: 200, body: { detail: `You left ${group.data.name}.` } };
    }
    if (member) return bad({ detail: "You are already a member of this group." });
    const requests = store.model("users/groupmembershiprequest");
    const asked = store
      .rows(requests.key)
      .some((r) => r.data.user_account_request === user.id && r.data.authgroup === group.id);
    if (asked) return bad({ detail: "You have already asked to join this group." });
    const request = store.insert(requests.key, { user_account_request: user.id, authgroup: group.id });
    return {
      status: 200,
      body: {
        detail: `Asked to join ${group.data.name}.`,
        [requests.detailKey]: store.serialize(requests.key, request, cx.viewerOf(ctx, "private")),
      },
    };
  };

/** `accept/` and `reject/` of an approval (staff only): accepting writes the proposal. */
export const approvalAction =
  (cx: BrainstemContext, m: ModelDef, action: "accept" | "reject"): Handler =>
  (ctx) => {
    const { store } = cx;
    const user = cx.userOf(ctx);
    const row = cx.target(m, ctx);
    if (isResult(row)) return row;
    if (!user.isStaff) return FORBIDDEN;
    if (row.data.status !== "Pending")
      return {
        status: 403,
        body: { detail: `This approval was already ${String(row.data.status).toLowerCase()}.` },
      };
    const base = store.model(m.approvalOf!);
    const viewer = cx.viewerOf(ctx, "private");
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

/** `add_entry/`, `change_entry/`, `remove_entry/` of a procedure or subject log, keyed by time. */
export const entryAction =
  (cx: BrainstemContext, m: ModelDef, action: "add" | "change" | "remove"): Handler =>
  (ctx) => {
    const row = cx.target(m, ctx);
    if (isResult(row)) return row;
    if (!cx.store.canChange(m.key, row, cx.userOf(ctx), "update")) return FORBIDDEN;
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
    return { status: 200, body: cx.detail(m, row, cx.viewerOf(ctx, "private")) };
  };
