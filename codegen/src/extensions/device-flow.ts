import type { DeviceFlowMeta } from "../../../packages/core/src/session.js";
import { isObject } from "../spec/json.js";
import { asObject, checkFields } from "./fields.js";
import type { Extension } from "./types.js";

/** `x-sciportals-device-flow` as a spec writes it: core's {@link DeviceFlowMeta}, operations named by id. */
export type DeviceFlowExtension = Omit<DeviceFlowMeta, "start" | "poll"> & { start: string; poll: string };

export const deviceFlow: Extension<DeviceFlowExtension> = {
  key: "x-sciportals-device-flow",
  place: "scheme",
  check(value, { at, operationIds }) {
    const problems = checkFields(
      value,
      at,
      { start: "string", poll: "string", token: "string" },
      { status: "string", pending: "string[]", error: "string" },
    );
    if (!isObject(value)) return problems;
    for (const key of ["start", "poll"] as const)
      if (typeof value[key] === "string" && !operationIds.has(value[key]))
        problems.push(`${at}/${key}: no operation ${value[key]}`);
    return problems;
  },
  read: (value) => asObject<DeviceFlowExtension>(value),
};
