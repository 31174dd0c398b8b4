import type { ListSessionsInput } from "../src/index.js";
export const ok: ListSessionsInput = {
  query: { filter: { "name.icontains": "rat", "projects.id": "f1b2c3d4-0000-4000-8000-000000000000" } },
};
// @ts-expect-error a misspelt field is a type error
export const typo: ListSessionsInput = { query: { filter: { "nmae.icontains": "rat" } } };
// @ts-expect-error an unknown sort field is a type error
export const badSort: ListSessionsInput = { query: { sort: ["-colour"] } };
