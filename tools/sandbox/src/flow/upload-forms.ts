/** Reads an upload chunk's multipart fields by the spec's schema, and the checks the server makes on them. */
import { deref, isObject, objectAt, type Json } from "@sciportals/codegen/spec";
import { schemaErrors, type HandlerResult } from "../spec-router.js";
import type { FlowContext } from "./context.js";
import { coerceFormValue, fields } from "./replies.js";
import type { User } from "./store.js";
import type { Multipart } from "./uploads.js";

/** The form checks of one sandbox: `formObject` coerces fields by schema, the rest answer as the server does. */
export function uploadForms(c: FlowContext) {
  const { spec, store, uploads, organismId } = c;

  function formObject(form: Multipart, schemaName: string): Record<string, unknown> {
    const schema = deref(spec, { $ref: `#/components/schemas/${schemaName}` });
    const props = objectAt(schema, "properties");
    const typeOf = (node: Json | undefined) => (isObject(node) ? node.type : undefined);
    const object: Record<string, unknown> = {};
    for (const [key, values] of form.fields) {
      const prop = deref(spec, props[key]);
      const type = typeOf(prop);
      if (type === "array") {
        const items = isObject(prop) ? prop.items : undefined;
        const itemType = items ? typeOf(deref(spec, items)) : "string";
        object[key] = values.filter((v) => v !== "").map((v) => coerceFormValue(v, itemType));
        continue;
      }
      const value = values[values.length - 1]!;
      if (key === "data" && /^(|null|None)$/.test(value)) continue;
      object[key] = coerceFormValue(value, type);
    }
    for (const [key, file] of form.files) {
      if (key === "blob") object.blob = "";
      else object[key] = file.data.toString("utf8");
    }
    return object;
  }

  function validateForm(object: Record<string, unknown>, schemaName: string): HandlerResult | undefined {
    const errors = schemaErrors(spec, `#/components/schemas/${schemaName}`, object);
    if (errors.length === 0) return undefined;
    const problems: Record<string, string[]> = {};
    for (const e of errors) {
      const field =
        e.keyword === "required"
          ? String((e.params as { missingProperty: string }).missingProperty)
          : e.instancePath.split("/")[1] || "__all__";
      const message =
        e.keyword === "required"
          ? "This field is required."
          : e.keyword === "pattern" && field === "sample_name"
            ? "Spaces in sample name"
            : `${e.instancePath.split("/").slice(2).join(".") || "value"} ${e.message ?? "is invalid"}`;
      (problems[field] ??= []).includes(message) || problems[field]!.push(message);
    }
    return { status: 400, body: problems };
  }

  // Extra checks per endpoint, on every chunk (the fields travel with each one).
  function checkSampleFields(object: Record<string, unknown>, user: User): HandlerResult | undefined {
    const type = String(object.sample_type);
    if (!store.sampleTypes.has(type))
      return fields("sample_type", `Select a valid choice. ${type} is not one of the available choices.`);
    if (
      object.organism !== undefined &&
      object.organism !== "" &&
      !store.organisms.has(String(object.organism))
    )
      return fields(
        "organism",
        `Select a valid choice. ${String(object.organism)} is not one of the available choices.`,
      );
    if (object.project !== undefined) {
      const project = store.projects.get(String(object.project));
      if (!project || project.removed || !store.canEdit(project, { user, kind: "jwt", scopes: new Set() }))
        return fields("project", "Project not found, or you cannot add samples to it");
    }
    for (const attribute of store.attributes.values()) {
      const value = object[attribute.identifier];
      if (value === undefined || value === "") {
        if (attribute.required || attribute.requiredFor.includes(type))
          return fields(attribute.identifier, "This field is required.");
        continue;
      }
      const text = String(value);
      if (
        attribute.options &&
        !attribute.allowUserTerms &&
        !attribute.options.some((o) => o.validated && o.value === text)
      )
        return fields(
          attribute.identifier,
          `Select a valid choice. ${text} is not one of the available choices.`,
        );
      if (attribute.regex && !new RegExp(attribute.regex).test(text))
        return fields(attribute.identifier, `Does not match ${attribute.regex}`);
    }
    for (const id of (object.previous_data as string[] | undefined) ?? []) {
      const previous = uploads.byId.get(String(id));
      if (!previous || previous.endpoint !== "sample" || previous.ownerId !== user.id || !previous.complete)
        return fields("previous_data", `No completed sample file ${String(id)} of yours`);
    }
    return undefined;
  }

  function annotationIssues(text: string, ignoreWarnings: boolean): HandlerResult | undefined {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
    const separator = (lines[0] ?? "").includes("\t") ? "\t" : ",";
    const header = (lines[0] ?? "").split(separator).map((h) => h.trim().toLowerCase().replace(/\s+/g, "_"));
    const validation: { row: number; column?: string; message: string }[] = [];
    const warnings: { row: number; column?: string; message: string }[] = [];
    const nameColumn = header.indexOf("sample_name");
    if (nameColumn < 0)
      validation.push({ row: 1, column: "sample_name", message: "Missing column sample_name" });
    const typeColumn = header.indexOf("sample_type");
    const organismColumn = header.indexOf("organism");
    lines.slice(1).forEach((line, i) => {
      const row = i + 2;
      const cells = line.split(separator).map((c) => c.trim());
      const name = nameColumn >= 0 ? (cells[nameColumn] ?? "") : "x";
      if (name === "") validation.push({ row, column: "sample_name", message: "Sample name is required" });
      else if (name.includes(" "))
        validation.push({ row, column: "sample_name", message: "Spaces in sample name" });
      const type = typeColumn >= 0 ? (cells[typeColumn] ?? "") : "";
      if (type !== "" && !store.sampleTypes.has(type))
        validation.push({ row, column: "sample_type", message: `Unknown sample type ${type}` });
      const organism = organismColumn >= 0 ? (cells[organismColumn] ?? "") : "";
      if (organism !== "" && !organismId(organism))
        warnings.push({ row, column: "organism", message: "Unknown organism; it will be ignored" });
    });
    if (validation.length) return { status: 400, body: { validation } };
    if (warnings.length && !ignoreWarnings) return { status: 400, body: { warnings } };
    return undefined;
  }

  return { formObject, validateForm, checkSampleFields, annotationIssues };
}
