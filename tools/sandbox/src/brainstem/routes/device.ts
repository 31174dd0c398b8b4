/**
 * The device authorization flow: start and poll (the spec's operations), and the approval page a
 * person opens in a browser at the `verification_uri` (not an API route, so not in the spec).
 * With `autoApprove`, a started flow is approved at once, for scripts that cannot click.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BrainstemContext } from "../context.js";
import { emailOf, PEOPLE, type Handle } from "../fixtures.js";

/** Where the docs put the approval page (`https://www.brainstem.org/account/authorize/`). */
export const APPROVE_PATH = "/account/authorize/";

/** Adds startDeviceAuthorization and pollDeviceAuthorization; `autoApprove` signs flows in as that user. */
export function addDeviceRoutes(cx: BrainstemContext, autoApprove: Handle | undefined): void {
  cx.handlers.startDeviceAuthorization = (ctx) => {
    const clientName = typeof ctx.body?.client_name === "string" ? ctx.body.client_name : "unknown client";
    const session = cx.auth.startDevice(clientName);
    if (autoApprove) cx.auth.approve(session.deviceCode, PEOPLE[autoApprove].id);
    const page = `http://${ctx.headers.host ?? "127.0.0.1"}${APPROVE_PATH}`;
    return {
      status: 200,
      body: {
        device_code: session.deviceCode,
        user_code: session.userCode,
        verification_uri: page,
        verification_uri_complete: `${page}?session=${session.sessionId}`,
        interval: cx.auth.deviceIntervalSeconds,
        expires_in: Math.ceil(cx.auth.deviceExpiresInMs / 1000),
        session_id: session.sessionId,
      },
    };
  };
  cx.handlers.pollDeviceAuthorization = (ctx) => ({
    status: 200,
    body: cx.auth.pollDevice(String(ctx.body.device_code)),
  });
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · BrainSTEM sandbox</title>` +
    `<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}` +
    `input,select,button{font:inherit;padding:.3rem .5rem;margin:.2rem 0}</style></head>` +
    `<body><h1>${escape(title)}</h1>${body}</body></html>`;
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Serves the approval page: GET shows the code (from `?session=` or `?user_code=`, or a field to
 * type it), an account to sign in as, and Approve and Deny buttons; POST records the decision.
 * Returns false for any other URL.
 */
export async function approvalPage(
  cx: BrainstemContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  if (url.pathname !== APPROVE_PATH) return false;
  if (req.method === "POST") {
    const form = await formOf(req);
    const code = form.get("code") ?? "";
    const who = (form.get("user") ?? "alice") as Handle;
    if (!PEOPLE[who])
      return (page(res, 400, "Unknown account", `<p>No sandbox account ${escape(who)}.</p>`), true);
    try {
      if (form.get("decision") === "deny") {
        cx.auth.deny(code);
        page(res, 200, "Denied", "<p>The request was denied. The command line stops waiting.</p>");
      } else {
        cx.auth.approve(code, PEOPLE[who].id);
        page(res, 200, "Approved", `<p>Signed in as ${escape(emailOf(who))}. Return to your terminal.</p>`);
      }
    } catch (error) {
      page(res, 400, "Not approved", `<p>${escape((error as Error).message)}.</p>`);
    }
    return true;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, POST" }).end();
    return true;
  }
  const given = url.searchParams.get("session") ?? url.searchParams.get("user_code") ?? "";
  const session = given ? cx.auth.findDevice(given) : undefined;
  const code = session
    ? `<p>Code <strong>${escape(session.userCode)}</strong> from <em>${escape(session.clientName)}</em>.</p>` +
      `<input type="hidden" name="code" value="${escape(session.userCode)}">`
    : `<p><label>Code shown by the command line <input name="code" autocomplete="off" required></label></p>`;
  const accounts = (Object.keys(PEOPLE) as Handle[])
    .map((h) => `<option value="${h}">${escape(emailOf(h))}${PEOPLE[h].isStaff ? " (staff)" : ""}</option>`)
    .join("");
  page(
    res,
    200,
    "Authorize a device",
    `<form method="post" action="${APPROVE_PATH}">${code}` +
      `<p><label>Sign in as <select name="user">${accounts}</select></label></p>` +
      `<button type="submit" name="decision" value="approve">Approve</button> ` +
      `<button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
  return true;
}
