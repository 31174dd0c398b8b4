import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SliceReply } from "../children/client-overhead.js";
import { VARIANTS, type Variant } from "../lib/client-variants.js";
import { fixed, int, median, range } from "../lib/stats.js";
import type { BenchContext, BenchModule, Row, Table } from "../lib/types.js";

const CHILD = fileURLToPath(new URL("../children/client-overhead.ts", import.meta.url));

/** One contender's process, answering one slice at a time over IPC. */
interface Worker {
  variant: Variant;
  child: ChildProcess;
  next(): Promise<SliceReply>;
}

function startWorker(variant: Variant): Worker {
  // Plain node with tsx's loader: the child's clients come from the built packages either way.
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), CHILD, variant.id], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const replies: SliceReply[] = [];
  const waiting: ((reply: SliceReply) => void)[] = [];
  const deliver = (reply: SliceReply) => {
    const resolve = waiting.shift();
    if (resolve) resolve(reply);
    else replies.push(reply);
  };
  child.on("message", (reply: SliceReply) => deliver(reply));
  child.on("exit", (code) => deliver({ error: `the ${variant.id} process exited (${code})` }));
  return {
    variant,
    child,
    next: () => {
      const reply = replies.shift();
      return reply ? Promise.resolve(reply) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

async function expect<T extends SliceReply>(
  worker: Worker,
  test: (reply: SliceReply) => reply is T,
): Promise<T> {
  const reply = await worker.next();
  if ("error" in reply) throw new Error(`client-overhead ${worker.variant.id}: ${reply.error}`);
  if (!test(reply))
    throw new Error(`client-overhead ${worker.variant.id}: unexpected ${JSON.stringify(reply)}`);
  return reply;
}

const isReady = (reply: SliceReply): reply is { ready: true } => "ready" in reply;
const isSlice = (reply: SliceReply): reply is { ops: number; wallMs: number; cpuUs: number } =>
  "ops" in reply;

interface Sample {
  /** Calls per wall-clock second. */
  opsPerSecond: number;
  /** CPU time (user + system, the whole process) per call, in µs: steadier when the machine is busy. */
  cpuUsPerCall: number;
}

async function run(context: BenchContext): Promise<Table[]> {
  const rounds = context.rounds(20, 4);
  const warmup = context.quick ? 1 : 2;
  // Each process first runs alone long enough for the JIT to settle.
  const warmupMs = context.quick ? 400 : 1000;
  const sliceMs = Number(context.option("slice-ms") ?? (context.quick ? 150 : 250));

  const workers = VARIANTS.map(startWorker);
  const samples = VARIANTS.map(() => [] as Sample[]);
  try {
    for (const worker of workers) await expect(worker, isReady);
    for (const worker of workers) {
      worker.child.send({ sliceMs: warmupMs });
      await expect(worker, isSlice);
    }
    for (let round = -warmup; round < rounds; round++) {
      // One process runs at a time; the order is reversed every other round.
      const order = workers.map((_, i) => i);
      if (round % 2 !== 0) order.reverse();
      for (const i of order) {
        workers[i]!.child.send({ sliceMs });
        const slice = await expect(workers[i]!, isSlice);
        if (round >= 0) {
          samples[i]!.push({
            opsPerSecond: (slice.ops * 1000) / slice.wallMs,
            cpuUsPerCall: slice.cpuUs / slice.ops,
          });
        }
      }
      if (round >= 0) context.log(`client overhead: round ${round + 1}/${rounds}`);
    }
  } finally {
    for (const worker of workers) if (worker.child.connected) worker.child.disconnect();
  }

  const baseline = samples[0]!;
  // Each round's figure against the baseline's in the same round, then the median of those.
  const wallRatios = (i: number) => samples[i]!.map((s, r) => s.opsPerSecond / baseline[r]!.opsPerSecond);
  const cpuRatios = (i: number) => samples[i]!.map((s, r) => baseline[r]!.cpuUsPerCall / s.cpuUsPerCall);
  const rows: Row[] = VARIANTS.map((variant, i) => {
    const ops = samples[i]!.map((s) => s.opsPerSecond);
    const cpu = samples[i]!.map((s) => s.cpuUsPerCall);
    const cpuOver = samples[i]!.map((s, r) => s.cpuUsPerCall - baseline[r]!.cpuUsPerCall);
    return {
      client: variant.label,
      "ops/s (median)": int(median(ops)),
      "ops/s (min–max)": range(ops, int),
      "÷ bare, wall time": i === 0 ? "1" : fixed(median(wallRatios(i))),
      "÷ bare, CPU time": i === 0 ? "1" : fixed(median(cpuRatios(i))),
      "CPU µs per call": fixed(median(cpu), 1),
      "CPU µs over bare": i === 0 ? "" : fixed(median(cpuOver), 1),
    };
  });

  const ours = VARIANTS.findIndex((v) => v.id === "ours");
  const wall = median(wallRatios(ours));
  const cpu = median(cpuRatios(ours));
  const met = (value: number) => (value >= 0.9 ? "met" : "missed");
  const notes = [
    `Target: ours \`getDataset\` >= 0.90 of bare: ${met(wall)} by wall time (${fixed(wall, 3)}), ${met(cpu)} by CPU time (${fixed(cpu, 3)}).`,
    "Diagnostic rows isolate costs: ours with `timeoutMs: 0` drops core's per-call timeout (an AbortController, " +
      "its signal, a timer); bare + a per-call timeout adds the same to bare; bare + `Authorization` adds the one " +
      "header ours always sends; ours with `validateResponses` checks each body against the spec's schema.",
  ];
  return [
    {
      id: "client-overhead",
      title: "Client overhead: GET /api/v1/datasets/{accession} with a stubbed fetch",
      method: [
        "As openapi-fetch's bench: `fetch` is a stub resolving `Response.json(dataset)` on `process.nextTick`, so only client work is timed (URL, headers, Request, transport, JSON parse); calls awaited one by one.",
        `Each client in its own process (clean JIT state), run in turn over IPC after ${warmupMs} ms of warm-up each: ${rounds} rounds (+${warmup} discarded) of ${sliceMs} ms each, order reversed every other round; ratios taken per round, then the median.`,
      ],
      columns: Object.keys(rows[0]!),
      rows,
      notes,
    },
  ];
}

export const clientOverhead: BenchModule = { name: "client-overhead", run };
