// The transport's time limits share one timer per client: each limit must still fire on time
// (a shorter one that arrives later included), a cleared one never, and an idle client's timer
// must not hold a Node process open.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Deadlines } from "../src/deadlines.js";
import { TimeoutMarker } from "../src/response-buffer.js";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

afterEach(() => vi.unstubAllGlobals());

describe("Deadlines", () => {
  it("expires each limit after its own time, a shorter one started later first", async () => {
    const deadlines = new Deadlines();
    const started = performance.now();
    const fired: [string, number, unknown][] = [];
    const done = new Promise<void>((resolve) => {
      const expire = (name: string) => (reason: unknown) => {
        fired.push([name, performance.now() - started, reason]);
        if (fired.length === 2) resolve();
      };
      deadlines.start(300, expire("long"));
      deadlines.start(60, expire("short"));
    });
    await done;
    expect(fired.map(([name]) => name)).toEqual(["short", "long"]);
    expect(fired[0]![1]).toBeGreaterThanOrEqual(60);
    expect(fired[0]![1]).toBeLessThan(250);
    expect(fired[1]![1]).toBeGreaterThanOrEqual(300);
    expect(fired.every(([, , reason]) => reason instanceof TimeoutMarker)).toBe(true);
  });

  it("stops the body read after aborting, and never expires a cleared limit", async () => {
    const deadlines = new Deadlines();
    const order: string[] = [];
    const cleared = deadlines.start(40, () => order.push("cleared expired"));
    const kept = deadlines.start(40, () => order.push("expire"));
    kept.stop = () => order.push("stop");
    expect(deadlines.clear(cleared)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(order).toEqual(["expire", "stop"]);
    expect(deadlines.clear(kept)).toBe(false); // expired already: the caller discards a late response
  });

  it("holds the process open only while a limit is pending", async () => {
    const before = timers();
    const deadlines = new Deadlines();
    const first = deadlines.start(60_000, () => {});
    expect(timers()).toBe(before + 1);
    const second = deadlines.start(60_000, () => {});
    expect(timers()).toBe(before + 1); // one timer for both
    deadlines.clear(first);
    expect(timers()).toBe(before + 1);
    deadlines.clear(second);
    expect(timers()).toBe(before); // left set but unreferenced: an idle client lets node exit
    const third = deadlines.start(60_000, () => {});
    expect(timers()).toBe(before + 1);
    deadlines.clear(third);
  });

  it("clears an idle timer where timers cannot be unreferenced (Deno, browsers: numbers)", async () => {
    const realSetTimeout = setTimeout;
    vi.stubGlobal("setTimeout", (fn: () => void, ms: number) => Number(realSetTimeout(fn, ms)));
    const before = timers();
    const deadlines = new Deadlines();
    const first = deadlines.start(60_000, () => {});
    expect(timers()).toBe(before + 1);
    deadlines.clear(first);
    expect(timers()).toBe(before);
    let fired = false;
    deadlines.start(30, () => (fired = true)); // set again, and still fires
    await new Promise((resolve) => realSetTimeout(resolve, 100));
    expect(fired).toBe(true);
  });
});
