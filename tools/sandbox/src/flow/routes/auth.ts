/** Flow sandbox routes: sign-up, login, the cookie refresh, logout, password reset and settings. */
import { readCookie, REFRESH_COOKIE } from "../auth.js";
import { type Principal, type User } from "../store.js";
import { randomUUID } from "node:crypto";
import { bad, ok, nowSeconds } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function authRoutes(c: FlowContext): Record<string, Handler> {
  const { store, auth, outbox, views, need } = c;
  return {
    login({ body }) {
      const user = store.userByName(String(body.username));
      if (!user || user.password !== body.password) {
        auth.stats.loginFailures++;
        return bad("Invalid credentials");
      }
      auth.stats.logins++;
      return {
        status: 200,
        body: { token: auth.issueAccess(user), user: views.loginUser(user) },
        headers: { "set-cookie": auth.refreshCookie(auth.issueRefresh(user)) },
      };
    },
    signup({ body }) {
      if (store.userByName(body.username))
        return bad({ username: ["A user with that username already exists."] });
      if ([...store.users.values()].some((u) => u.email === body.email))
        return bad({ email: ["A user with that email already exists."] });
      if (!/^[\w.@+-]+$/.test(body.username)) return bad({ username: ["Enter a valid username."] });
      if (String(body.password).length < 8) return bad({ password: ["This password is too short."] });
      const user: User = {
        id: store.nextId("user"),
        username: body.username,
        password: body.password,
        name: [body.first_name, body.last_name].filter(Boolean).join(" ") || body.username,
        email: body.email,
        firstName: body.first_name ?? "",
        lastName: body.last_name ?? "",
        image: null,
        isAdmin: false,
        canRunPipelines: true,
        groups: [],
        adminOf: [],
        sshKey: null,
        created: nowSeconds(),
      };
      store.users.set(user.id, user);
      auth.stats.logins++;
      return {
        status: 200,
        body: { token: auth.issueAccess(user), user: views.loginUser(user) },
        headers: { "set-cookie": auth.refreshCookie(auth.issueRefresh(user)) },
      };
    },
    oidcLogin: () => bad("OIDC login is not configured on this instance"),
    logout({ req }) {
      auth.revokeRefresh(readCookie(req, REFRESH_COOKIE));
      return {
        status: 200,
        body: { success: true, message: "Logged out" },
        headers: { "set-cookie": auth.clearCookie() },
      };
    },
    getMe: ({ principal }) => ({ status: 200, body: views.me((principal as Principal).user) }),
    refreshToken({ principal }) {
      const result = auth.refresh(principal as string | undefined);
      if ("error" in result) return bad(result.error);
      return {
        status: 200,
        body: { token: result.token, user: views.loginUser(result.user) },
        headers: result.rotated ? { "set-cookie": auth.refreshCookie(result.rotated) } : {},
      };
    },
    requestPasswordReset({ body }) {
      const user = [...store.users.values()].find((u) => u.email === body.email);
      if (user) outbox.push({ email: user.email, token: randomUUID() });
      return ok("If the address is registered, a reset link has been sent");
    },
    resetPassword({ body }) {
      const index = outbox.findIndex((m) => m.token === body.token);
      if (index < 0) return bad("Invalid or expired token");
      const user = [...store.users.values()].find((u) => u.email === outbox[index]!.email)!;
      outbox.splice(index, 1);
      user.password = body.password;
      auth.revokeAllRefresh(user.id);
      return ok("Password reset");
    },
    updateUserSettings({ body, principal }) {
      const p = principal as Principal;
      const refusal = need(p, "write");
      if (refusal) return refusal;
      if (body.email && [...store.users.values()].some((u) => u.email === body.email && u !== p.user))
        return bad({ email: ["A user with that email already exists."] });
      if (body.first_name !== undefined) p.user.firstName = body.first_name;
      if (body.last_name !== undefined) p.user.lastName = body.last_name;
      if (body.email !== undefined) p.user.email = body.email;
      if (body.first_name !== undefined || body.last_name !== undefined)
        p.user.name = `${p.user.firstName} ${p.user.lastName}`.trim();
      return ok("Settings updated");
    },
    updatePassword({ body, principal }) {
      const p = principal as Principal;
      const refusal = need(p, "write");
      if (refusal) return refusal;
      if (body.current_password !== p.user.password)
        return bad({ current_password: ["Incorrect password."] });
      if (String(body.new_password).length < 8) return bad({ new_password: ["This password is too short."] });
      p.user.password = body.new_password;
      return ok("Password updated");
    },
    updateSshKey({ body, principal }) {
      const p = principal as Principal;
      const refusal = need(p, "write");
      if (refusal) return refusal;
      if (!/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+) [A-Za-z0-9+/=]+/.test(String(body.ssh_key)))
        return bad({ ssh_key: ["Not a valid SSH public key."] });
      p.user.sshKey = body.ssh_key;
      return ok("SSH key updated");
    },
  };
}
