/** Flow sandbox routes: user and group search. */
import { contains, paged } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function usersRoutes(c: FlowContext): Record<string, Handler> {
  const { store, views } = c;
  return {
    searchUsers({ query }) {
      let users = [...store.users.values()];
      if (query.name)
        users = users.filter((u) => contains(u.name, query.name) || contains(u.username, query.name));
      if (query.exclude_group) users = users.filter((u) => !u.groups.includes(query.exclude_group));
      users.sort((a, b) => a.username.localeCompare(b.username));
      return paged("users", users, query, (u) => views.userRow(u));
    },
    searchGroups({ query }) {
      let groups = [...store.groups.keys()];
      if (query.q)
        groups = groups.filter((g) => contains(g, query.q) || contains(store.groups.get(g)!.name, query.q));
      return paged("groups", groups.sort(), query, (g) => ({
        ...views.group(g),
        user_count: [...store.users.values()].filter((u) => u.groups.includes(g)).length,
      }));
    },
  };
}
