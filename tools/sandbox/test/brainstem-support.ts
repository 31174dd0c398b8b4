import { afterAll, beforeAll } from "vitest";
import { startBrainstemSandbox, type BrainstemSandbox } from "../src/brainstem/index.js";

/**
 * The BrainSTEM sandbox the BrainSTEM test files share, started once per file, and the raw-HTTP
 * helpers they call it with (`bs` is a live binding, set before the first test).
 */
export let bs: BrainstemSandbox;

/** Starts the sandbox for this test file. */
export function useBrainstemSandbox(): void {
  beforeAll(async () => {
    bs = await startBrainstemSandbox({
      deviceIntervalSeconds: 0,
      deviceExpiresInMs: 400,
    });
  });
  afterAll(() => bs.close());
}

type Json = any;
export const as = (who: keyof BrainstemSandbox["users"]) => ({
  authorization: `Bearer ${bs.users[who].token}`,
});
export const jsonHeaders = (who: keyof BrainstemSandbox["users"]) => ({
  ...as(who),
  "content-type": "application/json",
});

export async function call(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(path.startsWith("http") ? path : `${bs.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
export const getAs = (who: keyof BrainstemSandbox["users"], path: string) => call(path, { headers: as(who) });
export const send = (who: keyof BrainstemSandbox["users"], method: string, path: string, body?: unknown) =>
  call(path, {
    method,
    headers: jsonHeaders(who),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
export const names = (list: { name: string }[]) => list.map((r) => r.name);

export const FORBIDDEN = { detail: "You do not have permission to perform this action." };
