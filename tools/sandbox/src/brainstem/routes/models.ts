/**
 * The model routes: list and get on every portal, create, update (PATCH), replace (PUT) and
 * delete on the private one. The `super` portal answers staff only.
 * @module
 */
import type { Handler, RequestContext } from "../../spec-router.js";
import { bad, FORBIDDEN, isResult, type BrainstemContext, type Portal } from "../context.js";
import { applyFilters, applySort, parseInclude, parseListQuery, QueryError } from "../query.js";
import type { ModelDef } from "../schema.js";
import { validateWrite } from "../validate.js";
import { proposal, semanticErrors, uniqueErrors, writeRecord } from "../writes.js";

// The super portal is guessed to be the staff view of everything (PROVENANCE.md): others get 403.
const notStaff = (cx: BrainstemContext, ctx: RequestContext, portal: Portal) =>
  portal === "super" && !cx.userOf(ctx).isStaff;

/** GET `/api/{portal}/{app}/{model}/`: a page, filtered, sorted, with `count`, `next` and `previous`. */
export const list =
  (cx: BrainstemContext, m: ModelDef, portal: Portal): Handler =>
  (ctx) => {
    if (notStaff(cx, ctx, portal)) return FORBIDDEN;
    const { store } = cx;
    const viewer = cx.viewerOf(ctx, portal);
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

/** GET `/api/{portal}/{app}/{model}/{id}/`, with `include[]`. */
export const get =
  (cx: BrainstemContext, m: ModelDef, portal: Portal): Handler =>
  (ctx) => {
    if (notStaff(cx, ctx, portal)) return FORBIDDEN;
    const includes = [...ctx.rawQuery.getAll("include[]"), ...ctx.rawQuery.getAll("include")];
    let include;
    try {
      include = parseInclude(cx.store, m, includes.flatMap((v) => v.split(",")).filter(Boolean));
    } catch (e) {
      if (e instanceof QueryError) return bad({ detail: e.message });
      throw e;
    }
    const row = cx.target(m, ctx, portal);
    if (isResult(row)) return row;
    return { status: 200, body: cx.detail(m, row, cx.viewerOf(ctx, portal), include) };
  };

/** POST: 201 with the record, or the proposal of an approval-gated model. */
export const create =
  (cx: BrainstemContext, m: ModelDef): Handler =>
  (ctx) => {
    const { store } = cx;
    const user = cx.userOf(ctx);
    const viewer = cx.viewerOf(ctx, "private");
    const { errors, data } = validateWrite({ store, viewer }, m, ctx.body, "create");
    if (errors) return bad(errors);
    const more = uniqueErrors(cx, m, data) ?? semanticErrors(cx, m, data);
    if (more) return bad(more);
    if (!store.canCreate(m.key, data, user)) return FORBIDDEN;
    if (m.approvalModel && !user.isStaff) return { status: 201, body: proposal(cx, m, "Add", data, user) };
    return { status: 201, body: cx.detail(m, writeRecord(cx, m, undefined, data, user), viewer) };
  };

/** PATCH (`update`) or PUT (`replace`). */
export const update =
  (cx: BrainstemContext, m: ModelDef, mode: "replace" | "update"): Handler =>
  (ctx) => {
    const { store } = cx;
    const user = cx.userOf(ctx);
    const viewer = cx.viewerOf(ctx, "private");
    const row = cx.target(m, ctx);
    if (isResult(row)) return row;
    if (!store.canChange(m.key, row, user, "update")) return FORBIDDEN;
    const { errors, data } = validateWrite({ store, viewer }, m, ctx.body, mode);
    if (errors) return bad(errors);
    const merged = { ...row.data, ...data };
    const more = uniqueErrors(cx, m, data, row.id) ?? semanticErrors(cx, m, merged);
    if (more) return bad(more);
    const scope = store.scope(m.key);
    if ((scope.kind === "projects" || scope.kind === "parent") && !store.canCreate(m.key, merged, user))
      return FORBIDDEN;
    if (m.key === "stem/project" && (data.users || data.groups) && !store.isProjectManager(row, user))
      return FORBIDDEN;
    if (m.approvalModel && !user.isStaff)
      return { status: 200, body: proposal(cx, m, "Change", merged, user, row) };
    writeRecord(cx, m, row, data, user);
    return { status: 200, body: cx.detail(m, row, viewer) };
  };

/** DELETE: 204. */
export const remove =
  (cx: BrainstemContext, m: ModelDef): Handler =>
  (ctx) => {
    const row = cx.target(m, ctx);
    if (isResult(row)) return row;
    if (!cx.store.canChange(m.key, row, cx.userOf(ctx), "delete")) return FORBIDDEN;
    cx.store.remove(m.key, row.id);
    return { status: 204 };
  };
