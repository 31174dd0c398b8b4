/**
 * How a write lands in the store: unique and cross-record checks, membership changes (new members
 * are invited, not added), and the proposals of approval-gated models.
 * @module
 */
import type { BrainstemContext } from "./context.js";
import { now } from "./context.js";
import type { ModelDef } from "./schema.js";
import { defaultFor, idKey, type Account, type Id, type Row } from "./store.js";
import type { FieldErrors } from "./validate.js";

const APPROVAL_EXTRAS = new Set(["instance_id", "action", "reviewer", "status"]);

const MEMBER_FIELDS: Record<string, string[]> = {
  "stem/project": ["users", "groups"],
  "users/group": ["users"],
};

/** `unique` fields that clash with another record (case-insensitively, as the portal). */
export function uniqueErrors(
  { store }: BrainstemContext,
  m: ModelDef,
  data: Record<string, unknown>,
  self?: Id,
): FieldErrors | undefined {
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
export function semanticErrors(
  { store }: BrainstemContext,
  m: ModelDef,
  data: Record<string, any>,
): FieldErrors | undefined {
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
function applyMembers(
  { store }: BrainstemContext,
  m: ModelDef,
  row: Row,
  field: string,
  changes: Record<string, any>,
  actor: Account,
) {
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

/** Creates (no `row`) or changes a record, with the defaults and memberships the portal sets. */
export function writeRecord(
  cx: BrainstemContext,
  m: ModelDef,
  row: Row | undefined,
  data: Record<string, any>,
  actor: Account,
): Row {
  const { store } = cx;
  const memberFields = MEMBER_FIELDS[m.key] ?? [];
  const plain = Object.fromEntries(Object.entries(data).filter(([k]) => !memberFields.includes(k)));
  if (!row) {
    const meta: { owner?: number; group?: number } = { owner: actor.id };
    if (store.scope(m.key).kind === "owned") {
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
  for (const field of memberFields) if (data[field]) applyMembers(cx, m, row, field, data[field], actor);
  return row;
}

/** A proposal of an approval-gated model, answered instead of the record to users who are not staff. */
export function proposal(
  { store }: BrainstemContext,
  m: ModelDef,
  action: "Add" | "Change",
  fields: Record<string, any>,
  actor: Account,
  instance?: Row,
): Record<string, unknown> {
  const approval = store.model(m.approvalModel!);
  const data: Record<string, any> = {};
  for (const f of approval.fields.values())
    if (!APPROVAL_EXTRAS.has(f.name)) data[f.name] = fields[f.name] ?? defaultFor(f);
  Object.assign(data, { instance_id: instance?.id ?? null, action, reviewer: null, status: "Pending" });
  const row = store.insert(approval.key, data, { owner: actor.id });
  return { [approval.detailKey]: store.serialize(approval.key, row, { portal: "private", user: actor }) };
}
