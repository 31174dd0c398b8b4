import { existsSync } from "node:fs";
import type { OperationMeta, RawInput } from "@sciportals/core";
import { fileTokenStore } from "@sciportals/core/node";
import { Command, Option } from "commander";
import { clientFor } from "./client.js";
import { readTokenFile, sessionFilePath, tokenFilePath } from "./credentials.js";
import { UsageError } from "./exit-codes.js";
import { withGlobalOptions, type GlobalFlags } from "./global-options.js";
import { defaultFormat, writeResult } from "./output.js";
import type { CliPortal } from "./portals.js";
import { ask, askSecret } from "./prompt.js";
import { removeToken, saveToken } from "./token-file.js";

type LoginFlags = GlobalFlags & { username?: string; device?: boolean };

const hasDeviceFlow = (portal: CliPortal) =>
  Object.values(portal.definition().schemes).some((scheme) => scheme.deviceFlow);
const hasPasswordLogin = (portal: CliPortal) =>
  Object.values(portal.definition().schemes).some((scheme) => scheme.session?.options?.includes("password"));

/** Writes a status line for people to stderr: stdout stays for data. */
const say = (text: string) => process.stderr.write(`${text}\n`);

async function login(portal: CliPortal, flags: LoginFlags): Promise<void> {
  const path = tokenFilePath(portal);
  // A token given outright (flag, file, or typed at the prompt) is stored as it is.
  const given = flags.token ?? (flags.tokenFile === undefined ? undefined : readTokenFile(flags.tokenFile));
  if (flags.tokenFile !== undefined && !given)
    throw new UsageError(`the token file ${flags.tokenFile} is empty`);
  if (given === undefined && hasDeviceFlow(portal) && flags.device !== false) {
    // The package's device login saves the token where the portal's own tool keeps it.
    const client = await clientFor(
      portal,
      { ...flags, token: undefined, tokenFile: undefined },
      { tokenStore: "file" },
    );
    await client.auth!.deviceLogin({
      body: { client_name: "sciportals-cli" },
      onPrompt: (prompt) =>
        say(
          `Open ${String(prompt.verificationUriComplete ?? prompt.verificationUri)} and confirm the code ${String(prompt.userCode)}`,
        ),
    });
    say(`Logged in; token saved to ${path}`);
    return;
  }
  if (given === undefined && hasPasswordLogin(portal) && flags.device !== false) {
    const username = flags.username ?? (await ask("Username: "));
    const password = await askSecret("Password: ");
    if (!username || !password) throw new UsageError("a user name and a password are needed");
    // The session (with its refresh token) in sciportals' own file: later commands refresh it.
    const session = sessionFilePath(portal);
    const client = await clientFor(
      portal,
      { ...flags, token: undefined, tokenFile: undefined },
      { tokenStore: fileTokenStore(session) },
    );
    await client.auth!.login({ username, password });
    say(`Logged in as ${username}; session saved to ${session} (it renews itself; logout removes it)`);
    return;
  }
  const token = given ?? (await askSecret(`${portal.definition().title} token: `));
  if (!token) throw new UsageError("no token given");
  saveToken(path, token);
  // The newest login wins: a saved session would otherwise go on shadowing this token.
  await removeToken(sessionFilePath(portal));
  say(`Token saved to ${path}`);
}

/** The cheapest call that needs the credential: a "me" operation, else the first secured list of one item. */
export function probeOperation(portal: CliPortal): { meta: OperationMeta; input: RawInput } | undefined {
  const operations = Object.values(portal.definition().operations).filter(
    (meta) =>
      meta.method === "GET" &&
      (meta.security?.length ?? 0) > 0 &&
      !meta.transfer &&
      !(meta.params ?? []).some((param) => param.required),
  );
  const me = operations.find((meta) => /^(get)?(me|whoami|current-?user)$/i.test(meta.id));
  const meta = me ?? operations.find((m) => m.pagination) ?? operations[0];
  if (!meta) return undefined;
  const size = meta.pagination?.size;
  return { meta, input: size ? { query: { [size]: 1 } } : {} };
}

/** Where the credential comes from, in words that name no secret. */
function credentialSource(portal: CliPortal, flags: GlobalFlags): string {
  if (flags.token !== undefined) return "--token";
  if (flags.tokenFile !== undefined) return `--token-file ${flags.tokenFile}`;
  const variable = Object.values(portal.definition().schemes).find((s) => s.env && process.env[s.env])?.env;
  if (variable) return `$${variable}`;
  for (const path of [sessionFilePath(portal), tokenFilePath(portal)]) if (existsSync(path)) return path;
  return "none";
}

async function whoami(portal: CliPortal, flags: GlobalFlags): Promise<void> {
  const probe = probeOperation(portal);
  const client = await clientFor(portal, flags);
  const source = credentialSource(portal, flags);
  const result = probe
    ? await (client[probe.meta.id] as (input: RawInput) => Promise<unknown>)(probe.input)
    : {};
  // A "me" answer is the identity; any other probe only proves the credential works.
  const identity =
    probe && !probe.meta.pagination && probe.meta.id.toLowerCase().includes("me") ? result : undefined;
  const format = flags.output ?? defaultFormat();
  const summary = {
    portal: portal.name,
    baseUrl: (client as unknown as { baseUrl: string }).baseUrl,
    credential: source,
    authenticated: true,
    ...(identity && typeof identity === "object" ? { identity } : {}),
  };
  await writeResult(summary, format);
}

/** `login`, `logout` and `whoami` for a portal. */
export function authCommands(portal: CliPortal): Command[] {
  const loginCommand = withGlobalOptions(
    new Command("login").description(
      hasDeviceFlow(portal)
        ? "Sign in in the browser (device flow) and save the token; or save a token from --token-file or the prompt (--no-device)"
        : hasPasswordLogin(portal)
          ? "Log in with user name and password and save the token; or save an API key from --token-file or the prompt (--no-device)"
          : "Save an API token (typed without echo, or from --token-file or a pipe)",
    ),
  );
  if (hasPasswordLogin(portal))
    loginCommand.addOption(new Option("--username <name>", "the user name to log in as"));
  if (hasDeviceFlow(portal) || hasPasswordLogin(portal))
    loginCommand.addOption(new Option("--no-device", "prompt for a token instead of signing in"));
  loginCommand.action((flags: LoginFlags) => login(portal, flags));

  const logoutCommand = withGlobalOptions(new Command("logout").description("Remove the saved token")).action(
    async () => {
      const removed: string[] = [];
      for (const path of [sessionFilePath(portal), tokenFilePath(portal)])
        if (await removeToken(path)) removed.push(path);
      say(removed.length ? `Removed ${removed.join(" and ")}` : `No token saved at ${tokenFilePath(portal)}`);
    },
  );
  const whoamiCommand = withGlobalOptions(
    new Command("whoami").description(
      "Check the credential with a cheap call and show where it comes from (never the token)",
    ),
  ).action((flags: GlobalFlags) => whoami(portal, flags));
  return [loginCommand, logoutCommand, whoamiCommand];
}
