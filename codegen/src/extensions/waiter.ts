import type { WaiterMeta } from "../../../packages/core/src/operation.js";
import { isObject } from "../spec/json.js";
import { schemaAtPath } from "../spec/walk.js";
import { asObject, checkFields } from "./fields.js";
import type { Extension } from "./types.js";

/** `x-sciportals-waiter`: how to tell a long-running job's state; it is core's {@link WaiterMeta}. */
export const waiter: Extension<WaiterMeta> = {
  key: "x-sciportals-waiter",
  place: "operation",
  check(value, { at, document, success }) {
    const problems = checkFields(
      value,
      at,
      { status: "string", success: "string[]", failure: "string[]" },
      { minDelay: "number", maxDelay: "number" },
    );
    if (isObject(value) && typeof value.status === "string" && success !== undefined)
      if (!schemaAtPath(document, success, value.status))
        problems.push(`${at}/status: the success response has no field "${value.status}"`);
    return problems;
  },
  read: (value) => asObject<WaiterMeta>(value),
};
