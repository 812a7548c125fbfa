import { describe, expect, it } from "vitest";
import { createBus } from "../../src/bus/createBus.js";
import type { Message } from "../../src/bus/Bus.js";
import { RequestMessage } from "../../src/bus/delivery/RequestMessage.js";
import { RequestTimeouts, type TimeoutEntries } from "../../src/bus/delivery/RequestTimeouts.js";
import type { BusError } from "../../src/errors/BusError.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

interface Entry {
  readonly name: string;
  deadline: number;
  slot: number;
}

function table(clock: ManualClock, idle: "keep" | "clear"): { timeouts: RequestTimeouts<Entry>; timedOut: string[]; entry(name: string, timeoutMs: number): Entry } {
  const timedOut: string[] = [];
  const entries: TimeoutEntries<Entry> = {
    deadline: (entry) => entry.deadline,
    slot: (entry) => entry.slot,
    setSlot: (entry, slot) => {
      entry.slot = slot;
    },
    timedOut: (entry) => void timedOut.push(`${entry.name}@${clock.now()}`),
  };
  const timeouts = new RequestTimeouts(clock, idle, entries);
  return { timeouts, timedOut, entry: (name, timeoutMs) => ({ name, deadline: timeouts.deadline(clock.now(), timeoutMs), slot: -1 }) };
}

describe("RequestTimeouts: every pending request on one timer", () => {
  it("keeps one timer for many requests and times each out at its own deadline, in deadline order", async () => {
    const clock = new ManualClock(1_000);
    const { timeouts, timedOut, entry } = table(clock, "clear");
    for (const [name, ms] of [["a", 300], ["b", 100], ["c", 200], ["d", 100]] as const) timeouts.add(entry(name, ms));
    expect(clock.pending).toBe(1);
    await clock.advance(99);
    expect(timedOut).toEqual([]);
    await clock.advance(1);
    expect(timedOut).toEqual(["b@1100", "d@1100"]);
    expect(clock.pending).toBe(1);
    await clock.advance(200);
    expect(timedOut).toEqual(["b@1100", "d@1100", "c@1200", "a@1300"]);
    expect(clock.pending).toBe(0);
  });

  it("re-arms for an earlier deadline and forgets a settled request at once", async () => {
    const clock = new ManualClock();
    const { timeouts, timedOut, entry } = table(clock, "clear");
    const slow = entry("slow", 5_000);
    timeouts.add(slow);
    const fast = entry("fast", 10);
    timeouts.add(fast);
    expect(clock.nextTimerAt()).toBe(10);
    expect(clock.pending).toBe(1);
    timeouts.remove(fast);
    expect(fast.slot).toBe(-1);
    await clock.advance(10);
    expect(timedOut).toEqual([]);
    expect(clock.nextTimerAt()).toBe(5_000);
    timeouts.remove(slow);
    expect(timeouts.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("keeps the heap in deadline order through removals from the middle", async () => {
    const clock = new ManualClock();
    const { timeouts, timedOut, entry } = table(clock, "clear");
    const entries = Array.from({ length: 50 }, (_, i) => entry(`e${i}`, ((i * 37) % 50) + 1));
    for (const e of entries) timeouts.add(e);
    for (const e of entries.filter((_, i) => i % 3 === 0)) timeouts.remove(e);
    await clock.advance(60);
    const expected = entries.filter((_, i) => i % 3 !== 0).map((e) => ({ name: e.name, at: e.deadline }));
    expected.sort((a, b) => a.at - b.at);
    expect(timedOut.map((t) => Number(t.split("@")[1]))).toEqual(expected.map((e) => e.at));
    expect(new Set(timedOut.map((t) => t.split("@")[0]))).toEqual(new Set(expected.map((e) => e.name)));
  });

  it("with idle 'keep', leaves the timer armed when the last request settles, so the next request arms none", async () => {
    const clock = new ManualClock();
    const { timeouts, timedOut, entry } = table(clock, "keep");
    const first = entry("first", 5_000);
    timeouts.add(first);
    timeouts.remove(first);
    expect(clock.pending).toBe(1);
    const second = entry("second", 5_000);
    timeouts.add(second);
    expect(clock.pending).toBe(1);
    timeouts.remove(second);
    // the armed timer fires, finds nothing due, and does not re-arm
    await clock.advance(5_000);
    expect(timedOut).toEqual([]);
    expect(clock.pending).toBe(0);
    timeouts.add(entry("third", 5_000));
    expect(clock.pending).toBe(1);
    timeouts.release();
    expect(clock.pending).toBe(1);
    await clock.advance(5_000);
    expect(timedOut).toEqual(["third@10000"]);
    expect(clock.pending).toBe(0);
  });
});

describe("createBus: request timeouts share one timer", () => {
  it("arms one timer on the bus clock for every pending request, each timing out after its own timeoutMs", async () => {
    const clock = new ManualClock();
    const bus = createBus({ clock });
    bus.subscribe("slow", () => new Promise(() => undefined), { concurrency: 100 });
    const outcomes: string[] = [];
    const requests = [300, 100, 200].map((timeoutMs) =>
      bus.request("slow", timeoutMs, { timeoutMs }).catch((error: BusError) => void outcomes.push(`${error.code}@${clock.now()}`)),
    );
    expect(clock.pending).toBe(1);
    await clock.advance(300);
    await Promise.all(requests);
    expect(outcomes).toEqual(["REQUEST_TIMEOUT@100", "REQUEST_TIMEOUT@200", "REQUEST_TIMEOUT@300"]);
    expect(clock.pending).toBe(0);
  });

  it("leaves no timer behind once its requests are answered, and none after close", async () => {
    const clock = new ManualClock();
    const bus = createBus({ clock });
    bus.subscribe("echo", (message) => message.payload);
    expect(await Promise.all([1, 2, 3].map((n) => bus.request("echo", n)))).toEqual([1, 2, 3]);
    expect(clock.pending).toBe(0);
    await bus.close();
    expect(clock.pending).toBe(0);
  });
});

describe("a request that timed out", () => {
  it("hears no more of its deliveries: a hung handler does not keep it listed for replies", async () => {
    const clock = new ManualClock(0);
    const bus = createBus({ clock });
    const received: Message[] = [];
    bus.subscribe("svc.hang", (message) => {
      received.push(message);
      return new Promise<never>(() => undefined);
    });
    const outcome = bus.request("svc.hang", 1, { timeoutMs: 100 }).catch((error: unknown) => (error as BusError).code);
    await clock.advance(0);
    const request = received[0];
    expect(request).toBeInstanceOf(RequestMessage);
    expect(RequestMessage.listening(request as RequestMessage)).toBe(true);
    await clock.advance(100);
    expect(await outcome).toBe("REQUEST_TIMEOUT");
    expect(RequestMessage.listening(request as RequestMessage)).toBe(false);
  });
});
