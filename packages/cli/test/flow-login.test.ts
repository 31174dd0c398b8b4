import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startFlowSandbox, type FlowSandbox } from "@sciportals/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tempHome } from "./run.js";

// Flow's password login gives a short-lived JWT and a refresh cookie. The CLI keeps both in its
// own session file, so a command an hour later refreshes instead of failing, and flowbio's
// API-key file is left alone.
describe("sciportals flow login", { timeout: 60_000 }, () => {
  let flow: FlowSandbox;
  beforeAll(async () => {
    flow = await startFlowSandbox();
  });
  afterAll(() => flow.close());

  it("keeps a session that renews itself after the access token expires; logout removes it", async () => {
    const home = { ...tempHome(), FLOW_BASE_URL: flow.url };
    flow.setAccessTokenTtl(1_000);
    const login = await run(["flow", "login", "--username", flow.username], home, `${flow.password}\n`);
    expect(login.status, login.stderr).toBe(0);
    const session = join(home.XDG_CONFIG_HOME, "sciportals", "flow", "session.json");
    expect(statSync(session).mode & 0o777).toBe(0o600);
    expect(existsSync(join(home.HOME, ".config", "flow", "api-token"))).toBe(false);
    const first = JSON.parse(readFileSync(session, "utf8")) as { accessToken: string; refreshToken?: string };
    expect(first.refreshToken).toBeTruthy();

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const listed = await run(["flow", "list-owned-data", "--output", "json"], home);
    expect(listed.status, listed.stderr).toBe(0);
    const renewed = JSON.parse(readFileSync(session, "utf8")) as { accessToken: string };
    expect(renewed.accessToken).not.toBe(first.accessToken);
    for (const secret of [flow.password, first.accessToken, renewed.accessToken, first.refreshToken!])
      expect(`${login.stdout}${login.stderr}${listed.stdout}${listed.stderr}`).not.toContain(secret);

    const whoami = await run(["flow", "whoami", "--output", "json"], home);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ authenticated: true, credential: session });
    expect((await run(["flow", "logout"], home)).status).toBe(0);
    expect(existsSync(session)).toBe(false);
  });
});
