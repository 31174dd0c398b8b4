/**
 * The BrainSTEM sandbox server: wires the context, the routes and the HTTP listener. Routes live
 * in `routes/` (device flow and approval page, models, actions, the table that binds the spec's
 * operations); shared state and helpers in `context.ts`.
 * @module
 */
import type { CorsOptions } from "../cors.js";
import { Faults } from "../faults.js";
import { listen, record, type RecordedRequest } from "../http.js";
import { portalSpec } from "../portal-spec.js";
import { send, SpecRouter, type Violation } from "../spec-router.js";
import { Auth, type AuthStats, type DeviceSession } from "./auth.js";
import { BrainstemContext, type RequestState } from "./context.js";
import { emailOf, loadFixtures, PEOPLE, type FixtureIds, type Handle } from "./fixtures.js";
import { preflight } from "./preflight.js";
import { addDeviceRoutes, approvalPage } from "./routes/device.js";
import { addModelRoutes } from "./routes/table.js";
import { readModels } from "./schema.js";
import { Store, type Id, type Viewer } from "./store.js";
import { drfFromProblems, validateWrite } from "./validate.js";

export interface BrainstemSandboxOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** `interval` the device flow asks clients to wait between polls. Default 5 s, as the portal. */
  deviceIntervalSeconds?: number;
  /** How long a device code lives. Default 15 minutes, as the portal. */
  deviceExpiresInMs?: number;
  /** Answer `slow_down` to polls that come sooner than the interval. Default false. */
  deviceSlowDown?: boolean;
  /** Approve every device flow at once as this user, for scripts that cannot click (`SANDBOX_AUTO_APPROVE`). */
  autoApprove?: Handle | undefined;
  /** Generated public projects (owned by carol) on top of the four hand-written ones. Default 26. */
  publicProjects?: number;
  /** Browser origins answered with CORS; see ../cors.ts. Default: `SANDBOX_CORS_ORIGINS`, else none. */
  cors?: CorsOptions | false;
}

export interface SandboxUser {
  id: number;
  email: string;
  /** A personal access token (`Authorization: Bearer <token>`). */
  token: string;
  isStaff: boolean;
}

export interface BrainstemSandbox {
  /** Base URL, for `createBrainstemClient({ baseUrl })`. */
  url: string;
  /** alice's personal access token. */
  token: string;
  /** The fixture accounts: alice (owner), bob (changer), carol (viewer), dave (outsider), admin (staff). */
  users: Record<Handle, SandboxUser>;
  /** UUIDs of the fixture records by key, e.g. `ids["project/visual"]`, `ids["session/v1-1"]`. */
  ids: FixtureIds;
  faults: Faults;
  /** Requests, newest last (no credentials). */
  requests: RecordedRequest[];
  /** Requests or responses that broke the spec; tests expect none. */
  violations: Violation[];
  /** Counters: device starts and polls, 401s. */
  stats: AuthStats;
  /** Every operationId the sandbox implements (all of the spec's). */
  operations: string[];
  /** The device approval page a person opens (`verification_uri`). */
  approveUrl: string;
  /** Approves a pending device authorization (by user code or device code) as a user (default alice). */
  approveDevice(code: string, user?: Handle): void;
  /** Denies a pending device authorization; the next poll answers `access_denied`. */
  denyDevice(code: string): void;
  /** Device authorizations started and not yet finished. */
  pendingDevices(): Pick<DeviceSession, "deviceCode" | "userCode" | "clientName" | "expiresAt">[];
  /** A record as staff sees it (`model` is `app/model`), or undefined when there is none. */
  record(model: string, id: Id): Record<string, unknown> | undefined;
  close(): Promise<void>;
}

/** Starts the BrainSTEM sandbox: private, public and super portals, tokens, device flow. */
export async function startBrainstemSandbox(
  options: BrainstemSandboxOptions = {},
): Promise<BrainstemSandbox> {
  if (options.autoApprove && !PEOPLE[options.autoApprove])
    throw new Error(
      `autoApprove: no sandbox user ${options.autoApprove} (${Object.keys(PEOPLE).join(", ")})`,
    );
  const auth = new Auth(
    options.deviceIntervalSeconds ?? 5,
    options.deviceExpiresInMs ?? 15 * 60_000,
    options.deviceSlowDown ?? false,
  );
  const cx = new BrainstemContext(auth);
  const faults = new Faults();
  const requests: RecordedRequest[] = [];

  const router = new SpecRouter({
    spec: await portalSpec("brainstem"),
    handlers: cx.handlers,
    errorBody: (_status, message) => ({ detail: message }),
    validationStatus: 400,
    // DRF answers field by field; the write validator knows the portal's own messages.
    validationBody(problems) {
      const state = cx.als.getStore();
      let body: unknown;
      const raw = state ? Buffer.concat(state.chunks).toString("utf8") : "";
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const write = state?.operationId ? cx.writeOps.get(state.operationId) : undefined;
      if (write && body !== undefined && problems.some((p) => p.location === "body")) {
        const viewer: Viewer = { portal: "private", user: state!.user };
        const result = validateWrite({ store: cx.store, viewer }, write.model, body, write.mode);
        const others = problems.filter((p) => p.location !== "body");
        if (result.errors)
          return { ...(others.length ? drfFromProblems(others, body) : {}), ...result.errors };
      }
      return drfFromProblems(problems, body, cx.requiredBodyFields.get(state?.operationId ?? "") ?? []);
    },
    authenticate(req, security, operationId) {
      const state = cx.als.getStore();
      if (state) state.operationId = operationId;
      return cx.authenticate(req, security);
    },
  });

  cx.models = readModels(router.spec);
  cx.store = new Store(cx.models);
  const ids = loadFixtures(cx.store, { publicProjects: options.publicProjects ?? 26 });
  const users = {} as Record<Handle, SandboxUser>;
  for (const [handle, p] of Object.entries(PEOPLE) as [Handle, (typeof PEOPLE)[Handle]][]) {
    const token = auth.addPat(p.id, "Sandbox fixture token", Auth.fixedPat(handle));
    users[handle] = { id: p.id, email: emailOf(handle), token, isStaff: p.isStaff };
  }
  addDeviceRoutes(cx, options.autoApprove);
  addModelRoutes(cx, router.spec);

  const api = await listen(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const entry = record(req, url);
    requests.push(entry);
    res.on("finish", () => (entry.status = res.statusCode));
    try {
      if (await faults.intercept(req, res, (status) => ({ detail: `Injected ${status}` }))) return;
      if (await approvalPage(cx, req, res, url)) return;
      if (preflight(cx, router.spec, req, res, url)) return void req.resume();
      const state: RequestState = { chunks: [] };
      // Tee the body for the validation hook; the router attaches its own reader in the same tick.
      req.on("data", (chunk: Buffer) => state.chunks.push(chunk));
      await cx.als.run(state, () => router.handle(req, res, url));
    } catch (error) {
      send(res, 500, { detail: `sandbox error: ${(error as Error).message}` });
    }
  }, options);

  return {
    url: api.url,
    token: users.alice.token,
    users,
    ids,
    faults,
    requests,
    violations: router.violations,
    stats: auth.stats,
    operations: Object.keys(cx.handlers).sort(),
    approveUrl: `${api.url}/account/authorize/`,
    approveDevice: (code, user = "alice") => void auth.approve(code, PEOPLE[user].id),
    denyDevice: (code) => auth.deny(code),
    pendingDevices: () =>
      [...auth.devices.values()]
        .filter((d) => d.state === "pending" && d.expiresAt > Date.now())
        .map(({ deviceCode, userCode, clientName, expiresAt }) => ({
          deviceCode,
          userCode,
          clientName,
          expiresAt,
        })),
    record(model, id) {
      const row = cx.store.get(model, id);
      const admin = cx.store.account(PEOPLE.admin.id)!;
      return row ? cx.store.serialize(model, row, { portal: "private", user: admin }) : undefined;
    },
    close: () => api.close(),
  };
}
