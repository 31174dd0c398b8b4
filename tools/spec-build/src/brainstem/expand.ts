/**
 * The model table with its defaults filled in, and the approval queues it implies.
 * @module
 */
import { MODELS } from "./models.js";
import { article } from "./oas.js";
import type { Field, FieldRow, Model, ModelSpec } from "./types.js";

/** A field row with its flags resolved to booleans. */
export function parseField([name, type, flags = {}]: FieldRow): Field {
  const field: Field = {
    name,
    type: typeof type === "string" ? type : "enum",
    req: flags.req ?? false,
    ro: flags.ro ?? false,
    createonly: flags.createonly ?? false,
    unique: flags.unique ?? false,
    min1: flags.min1 ?? false,
  };
  if (typeof type !== "string") field.enum = type.enum;
  if (flags.max !== undefined) field.max = flags.max;
  if (flags.min !== undefined) field.min = flags.min;
  return field;
}

// Docs pages are named with underscores where the URL names are run together.
const DOC_FILE_NAMES: Record<string, string> = {
  projectmembershipinvitation: "project_membership_invitation",
  projectgroupmembershipinvitation: "project_group_membership_invitation",
  groupmembershipinvitation: "group_membership_invitation",
  groupmembershiprequest: "group_membership_request",
};

function docPath(spec: ModelSpec): string | null {
  if (spec.model === "sessiondatastorage") return "docs/api/stem/session.md"; // only its URL, there
  if (spec.model === "protocol") return null; // no page at all
  return `docs/api/${spec.app}/${DOC_FILE_NAMES[spec.model] ?? spec.model}.md`;
}

function expandModel(spec: ModelSpec): Model {
  const { fields, kind, idType, noCreate, actions, notes, provenance, ...rest } = spec;
  return {
    ...rest,
    kind: kind ?? "crud",
    idType: idType ?? "uuid",
    noCreate: noCreate ?? false,
    public: spec.public ?? true,
    actions: actions ?? [],
    notes: notes ?? {},
    provenance: provenance ?? "public",
    fields: fields.map(parseField),
    doc: docPath(spec),
  };
}

/** The review queue of an approval-gated model: its writable fields, all read-only and optional. */
function approvalModel(base: Model, keys: { listKey: string; detailKey: string }): Model {
  return {
    app: base.app,
    model: `${base.model}approval`,
    name: `${base.name}Approval`,
    plural: `${base.name}Approvals`,
    label: `${base.label} approval`,
    labelPlural: `${base.label} approvals`,
    listKey: keys.listKey,
    detailKey: keys.detailKey,
    kind: "approval",
    idType: "uuid",
    noCreate: false,
    public: false,
    provenance: base.provenance,
    actions: ["accept_approval", "reject_approval"],
    doc: base.doc,
    notes: { all: `A proposed addition or change of ${article(base.label)}, waiting for review.` },
    fields: base.fields.filter((f) => !f.ro).map((f) => ({ ...f, req: false, ro: true })),
  };
}

/** Every model the spec describes, in table order, each approval queue right after its model. */
export function expandModels(table: readonly ModelSpec[] = MODELS): Model[] {
  const out: Model[] = [];
  for (const spec of table) {
    const model = expandModel(spec);
    out.push(model);
    if (model.approval) out.push(approvalModel(model, model.approval));
  }
  return out;
}
