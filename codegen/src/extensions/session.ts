import type { SessionMeta } from "../../../packages/core/src/session.js";
import { isObject } from "../spec/json.js";
import { asObject, checkFields } from "./fields.js";
import type { Extension } from "./types.js";

/** `x-sciportals-session` as a spec writes it: core's {@link SessionMeta}, operations named by id. */
export type SessionExtension = Omit<SessionMeta, "login" | "refresh" | "cookieScheme"> & {
  login: string;
  refresh: string;
};

export const session: Extension<SessionExtension> = {
  key: "x-sciportals-session",
  place: "scheme",
  check(value, { at, operationIds }) {
    const problems = checkFields(
      value,
      at,
      { login: "string", refresh: "string", refreshCredential: "string", accessToken: "string[]" },
      { refreshTokenField: "string", refreshToken: "string[]", expiresIn: "string", options: "string[]" },
    );
    if (!isObject(value)) return problems;
    for (const key of ["login", "refresh"] as const)
      if (typeof value[key] === "string" && !operationIds.has(value[key]))
        problems.push(`${at}/${key}: no operation ${value[key]}`);
    if (
      value.refreshCredential !== undefined &&
      value.refreshCredential !== "body" &&
      value.refreshCredential !== "cookie"
    )
      problems.push(`${at}/refreshCredential: must be body or cookie`);
    return problems;
  },
  read: (value) => asObject<SessionExtension>(value),
};
