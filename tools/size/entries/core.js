// Core as a one-operation client uses it: a lean client and one call.
import { callOperation, createPortalBase } from "@sciportals/core";

const portal = {
  title: "P",
  factory: "createP",
  baseUrl: "https://p.example.org",
  schemes: { key: { header: "Authorization", prefix: "Bearer ", option: "apiKey" } },
};
const client = createPortalBase(portal, { apiKey: "k" });
export const result = callOperation(
  client,
  {
    id: "get",
    method: "GET",
    path: "/x/{id}",
    security: [["key"]],
    params: [{ name: "id", in: "path", required: true }],
  },
  { path: { id: "1" } },
);
