/** What reached the stub: enough to check what the client sent. */
export interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

/** A `fetch` for client options that records each request and answers with a canned response. */
export function stubFetch(respond: () => Response) {
  const sent: Sent[] = [];
  const fetch = async (input: Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    sent.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: await request.text(),
    });
    return respond();
  };
  return { fetch, sent };
}

export const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

export const text = (value: string, type: string) =>
  new Response(value, { status: 200, headers: { "content-type": type } });

export const bytes = (value: Uint8Array<ArrayBuffer>) =>
  new Response(value, { status: 200, headers: { "content-type": "application/octet-stream" } });

export const empty = (status: number) => new Response(null, { status });

/** A binary result as bytes, whichever of Blob, ArrayBuffer, typed array or stream the client returns. */
export async function asBytes(value: unknown): Promise<number[]> {
  if (value instanceof Uint8Array) return [...value];
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (value instanceof Blob || value instanceof ReadableStream)
    return [...new Uint8Array(await new Response(value).arrayBuffer())];
  throw new Error(`expected bytes, got ${Object.prototype.toString.call(value)}`);
}
