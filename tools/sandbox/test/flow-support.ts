import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { startFlowSandbox, type FlowSandbox } from "../src/flow/index.js";

/**
 * The Flow sandbox the Flow test files share, started once per file, and the raw-HTTP helpers
 * they call it with (`sb` is a live binding, set before the first test).
 */
export let sb: FlowSandbox;

/** Starts the sandbox for this test file; every request of every test must follow the spec. */
export function useFlowSandbox(): void {
  beforeAll(async () => {
    sb = await startFlowSandbox({
      samples: 240,
      bigFileBytes: 3 * 1024 * 1024,
      resultsArchiveBytes: 2 * 1024 * 1024,
      executionDurations: { pendingMs: 120, runningMs: 240 },
    });
  });
  afterAll(() => sb.close());
  afterEach(() => {
    expect(sb.violations).toEqual([]);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const key = () => bearer(sb.apiKey);

export async function call(path: string, init: RequestInit & { base?: string } = {}) {
  const res = await fetch(`${init.base ?? sb.url}${path}`, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

export const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

export async function login(username = "alice", password = sb.password, base = sb.url) {
  const res = await fetch(`${base}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { token: string; user: { id: string; username: string } };
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { status: res.status, body, setCookie, cookie: setCookie.split(";")[0]! };
}

/** One chunk of the upload protocol, as flowbio's ChunkedUploader sends it. */
export async function chunk(
  endpoint: string,
  fields: Record<string, string | string[] | undefined>,
  blob: Uint8Array,
  headers: Record<string, string> = key(),
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const v of [value].flat()) form.append(name, v);
  }
  form.append(
    "blob",
    new Blob([new Uint8Array(blob)], { type: "application/octet-stream" }),
    String(fields.filename ?? "blob"),
  );
  return call(endpoint, { method: "POST", body: form, headers });
}

/** Uploads `bytes` chunk by chunk; returns every response. */
export async function upload(
  bytes: Uint8Array,
  options: {
    filename: string;
    chunkSize?: number;
    endpoint?: string;
    extra?: Record<string, string | string[]>;
  },
) {
  const size = options.chunkSize ?? 64 * 1024;
  const count = Math.max(1, Math.ceil(bytes.length / size));
  const responses: { status: number; body: any }[] = [];
  let id: string | undefined;
  for (let i = 0; i < count; i++) {
    const res = await chunk(
      options.endpoint ?? "/upload",
      {
        filename: options.filename,
        expected_file_size: String(i * size),
        is_last: String(i === count - 1),
        data: id ?? "",
        ...options.extra,
      },
      bytes.subarray(i * size, (i + 1) * size),
    );
    responses.push(res);
    if (res.status !== 200) break;
    id = res.body.data_id ?? res.body.id;
  }
  return { responses, id: id!, last: responses.at(-1)! };
}

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

// ------------------------------------------------------------------------------------------
