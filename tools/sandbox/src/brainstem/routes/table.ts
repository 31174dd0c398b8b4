/**
 * Binds every model operation of the spec to its handler, from its URL:
 * `/api/{portal}/{app}/{model}/[{id}/[{action}/]]`. The Python client's underscored model names
 * (`project_membership_invitation`) are the docs' models (`projectmembershipinvitation`).
 * @module
 */
import { deref, isObject, objectAt, operations, stringsOf, type JsonObject } from "@sciportals/codegen/spec";
import type { BrainstemContext, Portal } from "../context.js";
import { approvalAction, entryAction, groupAction, invitationAction } from "./actions.js";
import { create, get, list, remove, update } from "./models.js";

const ROUTE = /^\/api\/(private|public|super)\/([a-z_]+)\/([a-z_]+)\/(?:\{id\}\/(?:([a-z_]+)\/)?)?$/;

/** The store key of a URL's model: the docs' name, underscores dropped (the Python client's aliases). */
export const modelKey = (app: string, model: string): string => `${app}/${model.replace(/_/g, "")}`;

/** Adds a handler for each model operation; an operation that is neither a model route nor handled fails. */
export function addModelRoutes(cx: BrainstemContext, spec: JsonObject): void {
  for (const { path, method, op } of operations(spec)) {
    const opId = String(op.operationId);
    const body = objectAt(objectAt(op.requestBody, "content"), "application/json");
    const schema = deref(spec, body.schema);
    if (isObject(schema)) cx.requiredBodyFields.set(opId, stringsOf(schema.required));
    const match = ROUTE.exec(path);
    if (!match) {
      if (!cx.handlers[opId]) throw new Error(`brainstem sandbox: no handler for ${opId}`);
      continue;
    }
    const [, portal, app, model, action] = match as unknown as [string, Portal, string, string, string?];
    const m = cx.store.model(modelKey(app, model));
    if (!action) {
      const hasId = path.includes("{id}");
      if (method === "get") cx.handlers[opId] = hasId ? get(cx, m, portal) : list(cx, m, portal);
      else if (method === "post") cx.handlers[opId] = create(cx, m);
      else if (method === "delete") cx.handlers[opId] = remove(cx, m);
      else cx.handlers[opId] = update(cx, m, method === "put" ? "replace" : "update");
      if (method === "post" || method === "put" || method === "patch")
        cx.writeOps.set(opId, {
          model: m,
          mode: method === "post" ? "create" : method === "put" ? "replace" : "update",
        });
    } else if (m.kind === "invitation")
      cx.handlers[opId] = invitationAction(cx, m, action as "accept" | "reject" | "cancel");
    else if (m.kind === "approval") cx.handlers[opId] = approvalAction(cx, m, action as "accept" | "reject");
    else if (action === "join" || action === "leave") cx.handlers[opId] = groupAction(cx, m, action);
    else if (action.endsWith("_entry"))
      cx.handlers[opId] = entryAction(cx, m, action.replace("_entry", "") as "add" | "change" | "remove");
    else throw new Error(`brainstem sandbox: unknown action ${path}`);
  }
}
