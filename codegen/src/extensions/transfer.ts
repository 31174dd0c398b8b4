import type { DownloadMeta, UploadMeta } from "../../../packages/core/src/operation.js";
import { isObject } from "../spec/json.js";
import { schemaAtPath } from "../spec/walk.js";
import { asObject, checkFields } from "./fields.js";
import type { Extension } from "./types.js";

/** What a spec writes for a download: core's {@link DownloadMeta} plus when a pre-signed URL expires. */
export type DownloadExtension = DownloadMeta & { expiresAt?: string };

/** `x-sciportals-transfer`: a download (pre-signed URL or the response body), or an upload in chunks or in one multipart request. */
export const transfer: Extension<DownloadExtension | UploadMeta> = {
  key: "x-sciportals-transfer",
  place: "operation",
  check(value, { at, document, success }) {
    if (!isObject(value)) return [`${at}: must be an object`];
    if (value.direction === "download") {
      const problems = checkFields(
        value,
        at,
        { direction: "string" },
        { url: "string", range: "boolean", expiresAt: "string", listed: "object" },
      );
      if (isObject(value.listed))
        problems.push(...checkFields(value.listed, `${at}/listed`, {}, { id: "string", name: "string" }));
      if (
        typeof value.url === "string" &&
        success !== undefined &&
        !schemaAtPath(document, success, value.url)
      )
        problems.push(`${at}/url: the success response has no field "${value.url}"`);
      return problems;
    }
    if (value.direction === "upload" && value.mode === "single")
      return checkFields(value, at, { direction: "string", mode: "string", field: "string" }, {});
    if (value.direction === "upload") {
      const problems = checkFields(
        value,
        at,
        { direction: "string", fields: "object", uploadIdFrom: "string[]" },
        { chunkSize: "number" },
      );
      if (isObject(value.fields))
        problems.push(
          ...checkFields(value.fields, `${at}/fields`, {
            chunk: "string",
            filename: "string",
            offset: "string",
            last: "string",
            uploadId: "string",
          }),
        );
      return problems;
    }
    return [`${at}/direction: must be download or upload`];
  },
  read: (value) => asObject<DownloadExtension | UploadMeta>(value),
};
