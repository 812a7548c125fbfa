import { describe, expect, it } from "vitest";
import type { Message } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { TurnClock } from "../../src/bus/delivery/TurnClock.js";
import type { Clock } from "../../src/clock.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

/** A clock whose time moves on by 1 ms at every read, counting the reads. */
function steppingClock(start = 1_000): Clock & { reads: number } {
  const clock = {
    reads: 0,
    now: () => start + clock.reads++,
    setTimeout: () => undefined,
    clearTimeout: () => undefined,
  };
  return clock;
}

describe("TurnClock: message timestamps read once per turn", () => {
  it("in 'turn' mode, reads the clock once per synchronous turn and again in the next turn", async () => {
    const clock = steppingClock();
    const turn = new TurnClock(clock, "turn");
    expect([turn.now(), turn.now(), turn.now()]).toEqual([1_000, 1_000, 1_000]);
    expect(clock.reads).toBe(1);
    await Promise.resolve();
    expect(turn.now()).toBe(1_001);
    turn.nextTurn();
    expect(turn.now()).toBe(1_002);
    expect(clock.reads).toBe(3);
  });

  it("in 'exact' mode, reads the clock every time", () => {
    const clock = steppingClock();
    const turn = new TurnClock(clock, "exact");
    expect([turn.now(), turn.now(), turn.now()]).toEqual([1_000, 1_001, 1_002]);
  });

  it("never stamps a later message earlier than an exact read of the same turn", () => {
    const clock = steppingClock();
    const turn = new TurnClock(clock, "turn");
    expect(turn.now()).toBe(1_000);
    expect(turn.exact()).toBe(1_001);
    expect(turn.now()).toBe(1_001);
  });
});

describe("createBus: the timestamps option", () => {
  it("stamps the messages of one synchronous turn with one clock read by default on the system clock", async () => {
    const bus = createBus();
    const got: Message[] = [];
    bus.subscribe("t", (message) => void got.push(message));
    const before = Date.now();
    for (let i = 0; i < 1_000; i++) void bus.publish("t", i);
    const after = Date.now();
    await bus.flush();
    expect(new Set(got.map((m) => m.timestamp)).size).toBe(1);
    expect(got[0]?.timestamp).toBeGreaterThanOrEqual(before);
    expect(got[0]?.timestamp).toBeLessThanOrEqual(after);
  });

  it("with 'turn', reuses a time within a turn, reads again in the next turn and in each handler call, in publish order", async () => {
    const clock = steppingClock();
    const bus = createBus({ clock, timestamps: "turn" });
    const got: Message[] = [];
    bus.subscribe("a", (message) => {
      got.push(message);
      void bus.publish("b", message.payload);
    });
    bus.subscribe("b", (message) => void got.push(message));
    void bus.publish("a", 1);
    void bus.publish("a", 2);
    await bus.flush();
    await bus.flush();
    void bus.publish("a", 3);
    await bus.flush();
    await bus.flush();
    const first = (got[0] as Message).timestamp;
    const stamps = got.map((m) => `${m.topic}${String(m.payload)}@${m.timestamp - first}`);
    // a1 and a2 share the publishing turn's read; each handler call is a turn of its own
    expect(stamps).toEqual(["a1@0", "a2@0", "b1@1", "b2@2", "a3@3", "b3@4"]);
  });

  it("reads an injected clock for every message by default, so a ManualClock test sees the time it set", async () => {
    const clock = new ManualClock(5_000);
    const bus = createBus({ clock });
    const got: Message[] = [];
    bus.subscribe("t", (message) => void got.push(message));
    void bus.publish("t", 1);
    await clock.advance(250);
    void bus.publish("t", 2);
    void bus.publish("t", 3);
    await clock.advance(50);
    void bus.publish("t", 4);
    await bus.flush();
    expect(got.map((m) => m.timestamp)).toEqual([5_000, 5_250, 5_250, 5_300]);
  });

  it("refuses a timestamps value it does not know, naming the option", () => {
    expect(() => createBus({ timestamps: "coarse" as "turn" })).toThrow(expect.objectContaining({ code: "INVALID_OPTION", message: expect.stringContaining("timestamps") as string }));
  });
});
