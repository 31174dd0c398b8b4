/**
 * The components every model shares: ids, relations, membership maps, log entries, errors, the
 * error responses and the paging and id parameters.
 * @module
 */
import type { JsonObject } from "@sciportals/codegen/spec";
import { json, ref, UUID_PATTERN } from "./oas.js";

/** Schemas referenced by the per-model schemas and the error responses. */
export function sharedSchemas(): JsonObject {
  return {
    Uuid: {
      type: "string",
      format: "uuid",
      pattern: UUID_PATTERN,
      description: "A record id (UUID, canonical 8-4-4-4-12 hex form).",
    },
    IntegerId: { type: "integer", minimum: 1, description: "An integer id (users and groups)." },
    AnyId: {
      anyOf: [ref("Uuid"), ref("IntegerId")],
      description: "An id documented inconsistently as a UUID or an integer.",
    },
    ExpandedRecord: {
      type: "object",
      additionalProperties: true,
      description: "A related record returned in full because its relation was named in `include`.",
    },
    ExtraFields: {
      type: "object",
      description:
        "Additional key/value metadata. Keys start with a letter and hold letters, digits and underscores; values are strings or numbers.",
      additionalProperties: { type: ["string", "number"] },
    },
    Links: {
      type: "object",
      readOnly: true,
      description: 'Related endpoint suffixes, e.g. `{ sessions: "sessions/" }`.',
      additionalProperties: { type: "string" },
    },
    ListMeta: {
      type: "object",
      additionalProperties: true,
      description:
        "Pagination and filter metadata (the docs mention it for public lists without detailing it).",
    },
    DownloadLink: {
      type: "object",
      required: ["repository", "url"],
      properties: {
        repository: {
          type: "string",
          enum: ["CRCNS", "DANDI", "Figshare", "GitHub", "Globus", "Mendeley", "Zenodo", "Webshare", "Other"],
        },
        url: {
          type: "string",
          pattern: "^(https?|ftp)://",
          description: "Must start with http://, https:// or ftp://.",
        },
      },
    },
    ProjectPermission: {
      type: "object",
      properties: {
        can_change: { type: "boolean" },
        is_manager: { type: "boolean" },
        is_owner: { type: "boolean" },
      },
    },
    ProjectPermissionChange: {
      type: "object",
      description:
        "Missing permissions default to false; `remove: true` removes the member. New users are invited.",
      properties: {
        can_change: { type: "boolean" },
        is_manager: { type: "boolean" },
        is_owner: { type: "boolean" },
        remove: { type: "boolean" },
      },
    },
    ProjectUserPermissions: {
      type: "object",
      description: "Project members, keyed by user email.",
      additionalProperties: ref("ProjectPermission"),
    },
    ProjectUserPermissionChanges: {
      type: "object",
      description: "Members to add, change or remove, keyed by user email.",
      additionalProperties: ref("ProjectPermissionChange"),
    },
    ProjectGroupPermissions: {
      type: "object",
      description: "Groups with access to the project, keyed by group name.",
      additionalProperties: ref("ProjectPermission"),
    },
    ProjectGroupPermissionChanges: {
      type: "object",
      description: "Groups to add, change or remove, keyed by group name.",
      additionalProperties: ref("ProjectPermissionChange"),
    },
    GroupMember: {
      type: "object",
      properties: { is_manager: { type: "boolean" }, is_owner: { type: "boolean" } },
    },
    GroupMemberChange: {
      type: "object",
      description:
        "Missing permissions default to false; `remove: true` removes the member. New users are invited.",
      properties: {
        is_manager: { type: "boolean" },
        is_owner: { type: "boolean" },
        remove: { type: "boolean" },
      },
    },
    GroupMembers: {
      type: "object",
      description: "Group members, keyed by user email.",
      additionalProperties: ref("GroupMember"),
    },
    GroupMemberChanges: {
      type: "object",
      description: "Members to add, change or remove, keyed by user email.",
      additionalProperties: ref("GroupMemberChange"),
    },
    OwnedGroup: {
      type: "object",
      required: ["id", "name"],
      properties: { id: ref("IntegerId"), name: { type: "string" } },
    },
    ProcedureLogEntry: {
      type: "object",
      required: ["date_time"],
      properties: {
        date_time: { type: "string", format: "date-time" },
        notes: { type: ["string", "null"] },
        details: {
          type: ["object", "null"],
          additionalProperties: true,
          description: "Type-specific values (see the procedure log schemas).",
        },
      },
    },
    ProcedureLogEntryKey: {
      type: "object",
      required: ["date_time"],
      description: "Identifies the entry to remove.",
      properties: { date_time: { type: "string", format: "date-time" } },
    },
    SubjectLogEntry: {
      description:
        "Instantaneous entries have `date_time`; interval entries (Housing, FoodDeprivation, WaterDeprivation, Habituation, Handling, TrainingSession) have `start_date_time` and `end_date_time`.",
      anyOf: [ref("SubjectLogInstantEntry"), ref("SubjectLogIntervalEntry")],
    },
    SubjectLogInstantEntry: {
      type: "object",
      required: ["date_time"],
      properties: {
        date_time: { type: "string", format: "date-time" },
        notes: { type: ["string", "null"] },
        details: { type: ["object", "null"], additionalProperties: true },
      },
    },
    SubjectLogIntervalEntry: {
      type: "object",
      required: ["start_date_time", "end_date_time"],
      properties: {
        start_date_time: { type: "string", format: "date-time" },
        end_date_time: { type: "string", format: "date-time" },
        notes: { type: ["string", "null"] },
        details: { type: ["object", "null"], additionalProperties: true },
      },
    },
    SubjectLogEntryKey: {
      type: "object",
      minProperties: 1,
      description:
        "Identifies the entry to remove: `date_time`, or `start_date_time` for interval entries (the latter is a guess; the docs show only `date_time`).",
      properties: {
        date_time: { type: "string", format: "date-time" },
        start_date_time: { type: "string", format: "date-time" },
      },
    },
    ActionResult: {
      type: "object",
      additionalProperties: true,
      description: "The body of a custom action's answer; the docs do not show it.",
    },
    // errors
    Error: {
      type: "object",
      description: "A Django REST framework error.",
      properties: { detail: { type: "string" } },
      additionalProperties: true,
    },
    ValidationError: {
      type: "object",
      description:
        'A Django REST framework validation error: messages per field (`{ name: ["This field is required."] }`), `non_field_errors`, or a single `detail`.',
      properties: {
        detail: { type: "string" },
        non_field_errors: { type: "array", items: { type: "string" } },
      },
      additionalProperties: ref("FieldErrors"),
    },
    FieldErrors: {
      description: "Messages for one field; nested objects for nested fields.",
      anyOf: [
        { type: "array", items: { type: "string" } },
        { type: "string" },
        { type: "object", additionalProperties: true },
      ],
    },
  };
}

/** The error responses; 400 is a DRF field map, the others `{detail}` (mat `brainstem_parse_api_error.m`). */
export function sharedResponses(): JsonObject {
  const errBody = (schema: string, description: string): JsonObject => json(ref(schema), description);
  return {
    BadRequest: errBody("ValidationError", "Bad request: invalid parameters or field values."),
    Unauthorized: errBody("Error", "Missing, invalid or expired token."),
    Forbidden: errBody("Error", "Not allowed for this user or portal."),
    NotFound: errBody("Error", "No such record in this portal (or not visible to the caller)."),
    ServerError: {
      description: "Server error; the body may be an HTML page.",
      content: {
        "application/json": { schema: ref("Error") },
        "text/html": { schema: { type: "string" } },
      },
    },
  };
}

/** The id path parameters, the free-form `include`, and the paging parameters. */
export function sharedParameters(): JsonObject {
  return {
    Id: {
      name: "id",
      in: "path",
      required: true,
      description: "The record's UUID.",
      schema: { type: "string", format: "uuid", pattern: UUID_PATTERN },
    },
    IntegerId: {
      name: "id",
      in: "path",
      required: true,
      description: "The record's integer id (users and groups).",
      schema: { type: "integer", minimum: 1 },
    },
    IncludeQuery: {
      name: "include",
      in: "query",
      description: "Relations to expand into full records, serialized as repeated `include[]=`.",
      schema: { type: "array", items: { type: "string" } },
      "x-sciportals-serialize": "brackets",
    },
    Limit: {
      name: "limit",
      in: "query",
      description: "Records per page (default 20, maximum 100).",
      schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
    },
    Offset: {
      name: "offset",
      in: "query",
      description: "Records to skip.",
      schema: { type: "integer", minimum: 0, default: 0 },
    },
  };
}
