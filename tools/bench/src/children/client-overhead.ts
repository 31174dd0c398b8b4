/**
 * One client-overhead contender in its own process, so that its JIT state is its own (clients
 * built on openapi-fetch share its code, and one contender's call sites would skew another's).
 * The parent alternates the contenders over IPC: it sends `{ sliceMs }`, this process calls the
 * client back to back for that long and answers `{ ops, wallMs, cpuUs }`. Usage (IPC only):
 *   node --import tsx client-overhead.ts <contender id>
 */
import { deepStrictEqual } from "node:assert";
import { contender, DATASET } from "../lib/client-variants.js";

export interface SliceRequest {
  sliceMs: number;
}

export type SliceReply = { ready: true } | { ops: number; wallMs: number; cpuUs: number } | { error: string };

const id = process.argv[2];
const send = (reply: SliceReply) => process.send!(reply);

async function slice(call: () => Promise<unknown>, ms: number) {
  const batch = 25;
  let ops = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let wallMs = 0;
  do {
    for (let i = 0; i < batch; i++) await call();
    ops += batch;
    wallMs = performance.now() - started;
  } while (wallMs < ms);
  const cpu = process.cpuUsage(cpuBefore);
  return { ops, wallMs, cpuUs: cpu.user + cpu.system };
}

async function main() {
  if (!process.send || !id) throw new Error("run by the client-overhead bench over IPC");
  const { call, data } = contender(id);
  // The stub path must work before anything is timed.
  deepStrictEqual(data(await call()), DATASET);
  process.on("message", (message: SliceRequest) => {
    slice(call, message.sliceMs).then(send, (error: unknown) => send({ error: String(error) }));
  });
  process.on("disconnect", () => process.exit(0));
  send({ ready: true });
}

main().catch((error: unknown) => {
  if (process.send) process.send({ error: error instanceof Error ? error.message : String(error) });
  else console.error(error);
  process.exit(1);
});
