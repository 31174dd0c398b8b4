/**
 * The BrainSTEM sandbox's records: storage, who may see and change what, and how a record is
 * written out (relations as ids, or expanded for `include[]`).
 */
import { createHash } from "node:crypto";
import { isMany, isRelation, type FieldDef, type ModelDef } from "./schema.js";

export type Id = string | number;

export interface Meta {
  /** Creator (owned models, publications); submitter of an approval. */
  owner?: number;
  /** Group that shares an owned record (personal attributes). */
  group?: number;
  seq: number;
}

export interface Row {
  id: Id;
  data: Record<string, any>;
  meta: Meta;
}

export interface Account {
  id: number;
  handle: string;
  email: string;
  isStaff: boolean;
}

export interface Viewer {
  portal: "public" | "private";
  user?: Account;
}

export interface Perms {
  can_change: boolean;
  is_manager: boolean;
  is_owner: boolean;
}

/** An `include[]` tree: relation name -> what to include inside the related records. */
export type IncludeTree = Map<string, IncludeTree>;

/** A deterministic v4-shaped UUID for a fixture key. */
export function uuidFor(key: string): string {
  const h = createHash("sha256").update(`brainstem-sandbox/${key}`).digest("hex");
  const variant = ((parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** How a model decides visibility and permissions. */
type Scope =
  | { kind: "project" }
  | { kind: "projects"; field: string }
  | { kind: "parent"; field: string; target: string }
  | { kind: "owned" }
  | { kind: "special" }
  | { kind: "shared" };

/** Read-only relations the server computes from other records. */
const REVERSE: Record<string, { from: string; via: string }> = {
  "stem/project.sessions": { from: "stem/session", via: "projects" },
  "stem/project.subjects": { from: "stem/subject", via: "projects" },
  "stem/project.collections": { from: "stem/collection", via: "project" },
  "stem/project.cohorts": { from: "stem/cohort", via: "project" },
  "stem/subject.procedures": { from: "modules/procedure", via: "subject" },
  "stem/subject.subjectlogs": { from: "modules/subjectlog", via: "subject" },
  "stem/session.dataacquisition": { from: "modules/dataacquisition", via: "session" },
  "stem/session.behaviors": { from: "modules/behavior", via: "session" },
  "stem/session.manipulations": { from: "modules/manipulation", via: "session" },
};

const PARENT_FIELDS = ["session", "subject", "procedure", "setup", "inventory"];

export const idKey = (id: Id) => String(id).toLowerCase();

export class Store {
  readonly tables = new Map<string, Map<string, Row>>();
  readonly accounts = new Map<number, Account>();
  private readonly scopes = new Map<string, Scope>();
  private seq = 0;
  private created = 0;

  constructor(readonly models: Map<string, ModelDef>) {
    for (const m of models.values()) {
      this.tables.set(m.key, new Map());
      this.scopes.set(m.key, scopeOf(m));
    }
  }

  model(key: string): ModelDef {
    const m = this.models.get(key);
    if (!m) throw new Error(`unknown model ${key}`);
    return m;
  }

  rows(key: string): Row[] {
    return [...this.tables.get(key)!.values()];
  }

  get(key: string, id: Id | null | undefined): Row | undefined {
    if (id === null || id === undefined) return undefined;
    return this.tables.get(key)?.get(idKey(id));
  }

  newId(key: string): Id {
    const m = this.model(key);
    if (m.idType === "integer") return Math.max(0, ...this.rows(key).map((r) => Number(r.id))) + 1;
    return uuidFor(`created/${key}/${++this.created}`);
  }

  insert(key: string, data: Record<string, any>, meta: Partial<Meta> = {}, id?: Id): Row {
    const row: Row = { id: id ?? this.newId(key), data, meta: { ...meta, seq: ++this.seq } };
    this.tables.get(key)!.set(idKey(row.id), row);
    return row;
  }

  account(id: number | undefined): Account | undefined {
    return id === undefined ? undefined : this.accounts.get(id);
  }

  accountByEmail(email: string): Account | undefined {
    const wanted = email.toLowerCase();
    for (const row of this.rows("users/user")) {
      if (String(row.data.email ?? "").toLowerCase() === wanted) return this.accounts.get(Number(row.id));
    }
    return undefined;
  }

  // ------------------------------------------------------------ membership

  groupMember(
    groupId: Id | null | undefined,
    userId: number,
  ): { is_manager: boolean; is_owner: boolean } | undefined {
    const group = this.get("users/group", groupId);
    return group?.data.users?.[userId];
  }

  groupsOf(userId: number): number[] {
    return this.rows("users/group")
      .filter((g) => g.data.users?.[userId])
      .map((g) => Number(g.id));
  }

  /** A user's permissions on a project: directly, or through a group. */
  projectPerms(project: Row, userId: number): Perms & { member: boolean } {
    const out = { can_change: false, is_manager: false, is_owner: false, member: false };
    const add = (p: Perms | undefined) => {
      if (!p) return;
      out.member = true;
      out.can_change ||= Boolean(p.can_change);
      out.is_manager ||= Boolean(p.is_manager);
      out.is_owner ||= Boolean(p.is_owner);
    };
    add(project.data.users?.[userId]);
    for (const gid of this.groupsOf(userId)) add(project.data.groups?.[gid]);
    return out;
  }

  private canChangeProject(projectId: Id, user: Account): boolean {
    const project = this.get("stem/project", projectId);
    if (!project) return false;
    if (user.isStaff) return true;
    const p = this.projectPerms(project, user.id);
    return p.can_change || p.is_manager || p.is_owner;
  }

  isProjectManager(project: Row, user: Account): boolean {
    if (user.isStaff) return true;
    const p = this.projectPerms(project, user.id);
    return p.is_manager || p.is_owner;
  }

  isGroupManager(groupId: Id | null | undefined, user: Account): boolean {
    if (user.isStaff) return true;
    const g = this.groupMember(groupId, user.id);
    return Boolean(g && (g.is_manager || g.is_owner));
  }

  // ------------------------------------------------------------ scopes

  scope(key: string): Scope {
    return this.scopes.get(key)!;
  }

  /** The projects a record (or the data of a record to be) belongs to. */
  projectsOf(key: string, data: Record<string, any>, id?: Id): Id[] | undefined {
    const s = this.scope(key);
    if (s.kind === "project") return id === undefined ? [] : [id];
    if (s.kind === "projects") {
      const v = data[s.field];
      return Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
    }
    if (s.kind === "parent") {
      const parent = this.get(s.target, data[s.field]);
      return parent ? this.projectsOf(s.target, parent.data, parent.id) : undefined;
    }
    return undefined;
  }

  canView(key: string, row: Row, viewer: Viewer): boolean {
    const s = this.scope(key);
    const m = this.model(key);
    if (viewer.portal === "public") {
      switch (s.kind) {
        case "project":
          return row.data.is_public === true;
        case "projects":
          return this.projectsOf(key, row.data, row.id)!.some(
            (pid) => this.get("stem/project", pid)?.data.is_public === true,
          );
        case "parent": {
          const parent = this.get(s.target, row.data[s.field]);
          return parent !== undefined && this.canView(s.target, parent, viewer);
        }
        case "owned":
          return row.data.is_public === true;
        case "special":
          return m.kind === "crud";
        case "shared":
          return true;
      }
    }
    const user = viewer.user;
    if (!user) return false;
    if (user.isStaff) return true;
    switch (s.kind) {
      case "project":
        return this.projectPerms(row, user.id).member;
      case "projects":
        return this.projectsOf(key, row.data, row.id)!.some((pid) => {
          const project = this.get("stem/project", pid);
          return project !== undefined && this.projectPerms(project, user.id).member;
        });
      case "parent": {
        const parent = this.get(s.target, row.data[s.field]);
        return parent !== undefined && this.canView(s.target, parent, viewer);
      }
      case "owned":
        return (
          row.data.is_public === true ||
          row.meta.owner === user.id ||
          (row.meta.group !== undefined && this.groupMember(row.meta.group, user.id) !== undefined)
        );
      case "shared":
        return true;
      case "special":
        break;
    }
    switch (key) {
      case "stem/projectmembershipinvitation":
      case "stem/projectgroupmembershipinvitation": {
        const project = this.get("stem/project", row.data.project);
        if (project && this.isProjectManager(project, user)) return true;
        return key === "stem/projectmembershipinvitation"
          ? row.data.invitee === user.id
          : this.isGroupManager(row.data.invitee, user);
      }
      case "users/groupmembershipinvitation":
        return row.data.user_account_invitation === user.id || this.isGroupManager(row.data.authgroup, user);
      case "users/groupmembershiprequest":
        return row.data.user_account_request === user.id || this.isGroupManager(row.data.authgroup, user);
    }
    if (m.kind === "approval") return row.meta.owner === user.id;
    return true; // users, groups, laboratories
  }

  /** May `user` change (or delete) this record? Visibility is checked separately (404 first). */
  canChange(key: string, row: Row, user: Account, op: "update" | "delete"): boolean {
    if (user.isStaff) return true;
    const s = this.scope(key);
    const m = this.model(key);
    switch (s.kind) {
      case "project": {
        const p = this.projectPerms(row, user.id);
        return op === "update" ? p.can_change || p.is_manager || p.is_owner : p.is_manager || p.is_owner;
      }
      case "projects": {
        const pids = this.projectsOf(key, row.data, row.id)!;
        return pids.length > 0 && pids.every((pid) => this.canChangeProject(pid, user));
      }
      case "parent": {
        const parent = this.get(s.target, row.data[s.field]);
        return parent !== undefined && this.canChange(s.target, parent, user, "update");
      }
      case "owned":
        return (
          row.meta.owner === user.id ||
          (row.meta.group !== undefined && this.groupMember(row.meta.group, user.id) !== undefined)
        );
      case "shared":
        if (m.approvalModel) return op === "update"; // a change becomes a proposal; only staff delete
        if (key === "taxonomies/brainregion") return false;
        return row.meta.owner === user.id;
      case "special":
        break;
    }
    switch (key) {
      case "users/user":
        return op === "update" && Number(row.id) === user.id;
      case "users/group": {
        const g = this.groupMember(row.id, user.id);
        return op === "update" ? Boolean(g && (g.is_manager || g.is_owner)) : Boolean(g?.is_owner);
      }
      case "users/laboratory":
        return this.isGroupManager(row.data.group, user);
    }
    return false;
  }

  /** May `user` create a record with this data (or move a record to it)? */
  canCreate(key: string, data: Record<string, any>, user: Account): boolean {
    if (user.isStaff) return true;
    const s = this.scope(key);
    switch (s.kind) {
      case "project":
      case "owned":
        return true;
      case "projects": {
        const pids = this.projectsOf(key, data)!;
        return pids.every((pid) => this.canChangeProject(pid, user));
      }
      case "parent": {
        const parent = this.get(s.target, data[s.field]);
        return parent !== undefined && this.canChange(s.target, parent, user, "update");
      }
      case "shared":
        return key !== "taxonomies/brainregion";
      case "special":
        if (key === "users/group") return true;
        if (key === "users/laboratory") return this.isGroupManager(data.group, user);
        return false;
    }
  }

  // ------------------------------------------------------------ values and serialization

  /** A field's value as the API shows it (ids for relations), computed where the server computes it. */
  value(key: string, row: Row, f: FieldDef): any {
    const reverse = REVERSE[`${key}.${f.name}`];
    if (reverse) {
      const target = this.model(reverse.from).fields.get(reverse.via)!;
      const me = idKey(row.id);
      return this.rows(reverse.from)
        .filter((r) => {
          const v = r.data[reverse.via];
          return isMany(target) ? (v ?? []).some((x: Id) => idKey(x) === me) : v != null && idKey(v) === me;
        })
        .map((r) => r.id);
    }
    if (key === "stem/session" && f.name === "epochs") return [];
    if (key === "users/user" && f.name === "active_projects") {
      return this.rows("stem/project")
        .filter((p) => this.projectPerms(p, Number(row.id)).member)
        .map((p) => p.id);
    }
    if (key === "users/user" && f.name === "groups_own_json") {
      return this.rows("users/group")
        .filter((g) => g.data.users?.[Number(row.id)]?.is_owner)
        .map((g) => ({ id: Number(g.id), name: g.data.name }));
    }
    if (key === "stem/session" && f.name === "name_used_in_storage") {
      return String(row.data.name ?? "").replace(/[^A-Za-z0-9_-]+/g, "_");
    }
    if (f.name === "rrid_url")
      return row.data.rrid ? `https://scicrunch.org/resolver/RRID:${row.data.rrid}` : null;
    switch (f.type) {
      case "projectPerms":
        return this.keyed(row.data[f.name], (id) => this.get("users/user", id)?.data.email);
      case "groupPerms":
        return this.keyed(row.data[f.name], (id) => this.get("users/group", id)?.data.name);
      case "groupMembers":
        return this.keyed(row.data[f.name], (id) => this.get("users/user", id)?.data.email);
      case "links": {
        const m = this.model(key);
        const links: Record<string, string> = {};
        for (const other of m.fields.values())
          if (isMany(other) && other.target) links[other.name] = `${other.name}/`;
        return links;
      }
    }
    const v = row.data[f.name];
    return v === undefined ? defaultFor(f) : v;
  }

  private keyed(map: Record<string, object> | undefined, name: (id: string) => string | undefined) {
    const out: Record<string, object> = {};
    for (const [id, perms] of Object.entries(map ?? {})) {
      const key = name(id);
      if (key !== undefined) out[key] = { ...perms };
    }
    return out;
  }

  serialize(key: string, row: Row, viewer: Viewer, include?: IncludeTree): Record<string, unknown> {
    const m = this.model(key);
    const out: Record<string, unknown> = { id: row.id };
    for (const f of m.fields.values()) {
      let v = this.value(key, row, f);
      const sub = include?.get(f.name);
      if (sub && f.target && isRelation(f)) {
        const target = f.target;
        const expand = (id: Id) => {
          const r = this.get(target, id);
          return r && this.canView(target, r, viewer) ? this.serialize(target, r, viewer, sub) : undefined;
        };
        if (Array.isArray(v)) v = v.map(expand).filter((x) => x !== undefined);
        else if (v !== null && v !== undefined) v = expand(v) ?? v;
      }
      out[f.name] = v;
    }
    return out;
  }

  // ------------------------------------------------------------ deletion

  /** Deletes a record; relations to it are cleared, and records that cannot exist without it go too. */
  remove(key: string, id: Id): void {
    const table = this.tables.get(key)!;
    if (!table.delete(idKey(id))) return;
    const gone = idKey(id);
    const cascade: [string, Id][] = [];
    for (const m of this.models.values()) {
      for (const f of m.fields.values()) {
        if (f.target !== key || REVERSE[`${m.key}.${f.name}`]) continue;
        for (const r of this.rows(m.key)) {
          const v = r.data[f.name];
          if (v === undefined || v === null) continue;
          if (Array.isArray(v)) r.data[f.name] = v.filter((x: Id) => idKey(x) !== gone);
          else if (idKey(v) === gone) {
            if (m.kind === "invitation" || m.input?.get(f.name)?.required) cascade.push([m.key, r.id]);
            else r.data[f.name] = null;
          }
        }
      }
    }
    if (key === "users/user") {
      for (const p of this.rows("stem/project")) delete p.data.users?.[Number(id)];
      for (const g of this.rows("users/group")) delete g.data.users?.[Number(id)];
    }
    if (key === "users/group") for (const p of this.rows("stem/project")) delete p.data.groups?.[Number(id)];
    for (const [k, i] of cascade) this.remove(k, i);
  }
}

function scopeOf(m: ModelDef): Scope {
  if (m.key === "stem/project") return { kind: "project" };
  if (m.kind !== "crud" || m.app === "users") return { kind: "special" };
  for (const name of ["projects", "project"]) {
    const f = m.fields.get(name);
    if (f && !f.readOnly && f.target === "stem/project") return { kind: "projects", field: name };
  }
  for (const name of PARENT_FIELDS) {
    const f = m.fields.get(name);
    if (f && f.type === "fk" && !f.readOnly && f.target)
      return { kind: "parent", field: name, target: f.target };
  }
  if (m.fields.has("is_public")) return { kind: "owned" };
  return { kind: "shared" };
}

export function defaultFor(f: FieldDef): unknown {
  switch (f.type) {
    case "fk[]":
    case "ifk[]":
    case "anyid[]":
    case "tags":
    case "downloadLinks":
    case "ownedGroups":
    case "entries":
      return [];
    case "bool":
      return false;
    case "projectPerms":
    case "groupPerms":
    case "groupMembers":
    case "extra":
    case "links":
      return {};
    default:
      return f.nullable || f.type === "json" ? null : "";
  }
}
