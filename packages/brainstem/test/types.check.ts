import type { BrainstemClient, BrainstemClientOptions, ListSessionsInput } from "../src/index.js";
export const ok: ListSessionsInput = {
  query: { filter: { "name.icontains": "rat", "projects.id": "f1b2c3d4-0000-4000-8000-000000000000" } },
};
// Any dynamic-rest `field.lookup` passes: the listed keys are suggestions (autocomplete), not a closed set.
export const anyLookup: ListSessionsInput = { query: { filter: { "projects.name.icontains": "visual" } } };
// @ts-expect-error a filter value is a string (the wire format)
export const notString: ListSessionsInput = { query: { filter: { "name.icontains": 5 } } };
// @ts-expect-error an unknown sort field is a type error
export const badSort: ListSessionsInput = { query: { sort: ["-colour"] } };
// No password login since BrainSTEM enforces 2FA: neither the options nor auth.login() exist.
// @ts-expect-error email/password options are gone
export const password: BrainstemClientOptions = { email: "a@b.c", password: "x" };
export const noLogin = (client: BrainstemClient) => {
  // @ts-expect-error auth has deviceLogin() and logout(), no login()
  void client.auth.login({ email: "a@b.c", password: "x" });
  void client.auth.deviceLogin({ onPrompt: () => {} });
};
// The file store of the Python tool is asked for by name.
export const fileStore: BrainstemClientOptions = { tokenStore: "file" };
