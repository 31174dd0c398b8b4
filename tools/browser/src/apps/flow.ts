/**
 * A browser app on Flow: password login with the HttpOnly refresh cookie kept by the browser
 * (`credentials: "include"`), typed call, page/count paging, a 429, a refresh, a download.
 */
import { createFlowClient } from "@sciportals/flow";
import { intoBlob, type SeenRetry } from "./common.js";

export interface FlowConfig {
  baseUrl: string;
  username: string;
  password: string;
  /** How long the sandbox's access tokens live; the app waits that long for one to expire. */
  accessTtlMs: number;
  dataId: string;
  filename: string;
}

/** Cross-origin calls that carry cookies: the browser sends (and stores) Flow's refresh cookie. */
const withCookies = (request: Request, init?: RequestInit) =>
  fetch(request, { ...init, credentials: "include" });

function client(c: FlowConfig, retries: SeenRetry[]) {
  return createFlowClient({
    baseUrl: c.baseUrl,
    username: c.username,
    password: c.password,
    fetch: withCookies,
    retry: { initialDelayMs: 5 },
    onRetry: (e) => retries.push({ status: e.status, waitMs: e.waitMs }),
  });
}

export async function run(c: FlowConfig) {
  const retries: SeenRetry[] = [];
  const flow = client(c, retries);
  const me = await flow.getMe(); // logs in: the token in the body, the refresh cookie in the browser's jar
  const names: string[] = [];
  for await (const sample of flow.paginate("searchSamples", { query: { count: 5 } }))
    names.push(String(sample.name));
  await new Promise((r) => setTimeout(r, c.accessTtlMs + 100));
  const again = await flow.getMe(); // the access token has expired: GET /token with the cookie
  const file = await intoBlob((writable) =>
    flow.download("downloadData", { path: { dataId: c.dataId, filename: c.filename } }, writable),
  );
  return {
    typed: me.username,
    names,
    refreshedAs: again.username,
    retries,
    file,
    cookieVisible: document.cookie,
  };
}

/** Only the session: log in, let the token expire, call again. */
export async function session(c: FlowConfig) {
  const flow = client(c, []);
  await flow.getMe();
  await new Promise((r) => setTimeout(r, c.accessTtlMs + 100));
  return (await flow.getMe()).username;
}
