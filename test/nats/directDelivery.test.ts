import { describe, expect, it } from "vitest";
import type { DropReason, Message, MessageHandler, SubscribeOptions } from "../../src/bus/Bus.js";
import { checkSubscription } from "../../src/bus/delivery/busOptions.js";
import { DeliveryCore } from "../../src/bus/delivery/DeliveryCore.js";
import { Subscriber } from "../../src/bus/delivery/Subscriber.js";
import { TurnClock } from "../../src/bus/delivery/TurnClock.js";
import { deferred } from "../helpers/promises.js";

/** A core with its errors and drops recorded, and a subscription on `t` with `handler` and `options`. */
function setUp(handler: MessageHandler, options: SubscribeOptions = {}, turn?: TurnClock) {
  const errors: Array<{ error: unknown; message: Message }> = [];
  const drops: Array<{ message: Message; reason: DropReason }> = [];
  const core = new DeliveryCore({ onError: (error, message) => void errors.push({ error, message }), onDrop: (message, reason) => void drops.push({ message, reason }) }, turn);
  const sub = new Subscriber({ id: 0, pattern: "t", tokens: ["t"], ...checkSubscription("t", handler, options) });
  core.add(sub);
  return { core, sub, errors, drops };
}

function message(n: number): Message {
  return { id: `m${n}`, topic: "t", payload: n, timestamp: 0 };
}

describe("DeliveryCore.deliverNow (a network client's callback)", () => {
  it("calls an idle subscription's handler at once, counted as delivered", () => {
    const seen: unknown[] = [];
    const { core, sub } = setUp((m) => void seen.push(m.payload));
    core.deliverNow(sub, message(1));
    expect(seen).toEqual([1]);
    core.deliverNow(sub, message(2));
    expect(seen).toEqual([1, 2]);
    expect(core.stats()).toEqual({ delivered: 2, dropped: 0, pending: 0, handlerErrors: 0 });
  });

  it("queues behind a running call (concurrency 1) and keeps FIFO order", async () => {
    const seen: number[] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const { core, sub } = setUp((m) => {
      seen.push(m.payload as number);
      const gate = deferred();
      gates.push(gate);
      return gate.promise;
    });
    core.deliverNow(sub, message(1));
    core.deliverNow(sub, message(2));
    core.deliverNow(sub, message(3));
    expect(seen).toEqual([1]);
    expect(core.stats().pending).toBe(2);
    gates[0]?.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1, 2]);
    // an idle moment with something queued: the new message waits its turn
    core.deliverNow(sub, message(4));
    expect(seen).toEqual([1, 2]);
    for (let i = 1; i < 4; i++) {
      gates[i]?.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    await core.flush();
    expect(core.stats()).toEqual({ delivered: 4, dropped: 0, pending: 0, handlerErrors: 0 });
  });

  it("runs up to `concurrency` calls at once, then queues", () => {
    const seen: number[] = [];
    const { core, sub } = setUp(
      (m) => {
        seen.push(m.payload as number);
        return new Promise<void>(() => undefined);
      },
      { concurrency: 2 },
    );
    for (let n = 1; n <= 4; n++) core.deliverNow(sub, message(n));
    expect(seen).toEqual([1, 2]);
    expect(sub.active).toBe(2);
    expect(core.stats().pending).toBe(2);
  });

  it("isolates a throwing and a rejecting handler: counted, routed to onError, delivery goes on", async () => {
    const { core, sub, errors } = setUp((m) => {
      if (m.payload === 1) throw new Error("sync");
      if (m.payload === 2) return Promise.reject(new Error("async"));
      return undefined;
    });
    core.deliverNow(sub, message(1));
    core.deliverNow(sub, message(2));
    core.deliverNow(sub, message(3));
    await core.flush();
    expect(errors.map(({ error, message: m }) => [(error as Error).message, m.id])).toEqual([
      ["sync", "m1"],
      ["async", "m2"],
    ]);
    expect(core.stats()).toEqual({ delivered: 3, dropped: 0, pending: 0, handlerErrors: 2 });
  });

  it("applies the overflow policy to what waits behind a running call, and counts the drops", () => {
    const { core, sub, drops } = setUp(() => new Promise<void>(() => undefined), { maxPending: 1, overflow: "drop-newest" });
    core.deliverNow(sub, message(1));
    core.deliverNow(sub, message(2));
    core.deliverNow(sub, message(3));
    expect(drops.map(({ message: m, reason }) => [m.id, reason])).toEqual([["m3", "overflow"]]);
    expect(core.stats()).toEqual({ delivered: 0, dropped: 1, pending: 1, handlerErrors: 0 });
  });

  it("flush() waits for a direct call still running; detach drops what waits and lets the running call finish", async () => {
    const gate = deferred();
    const { core, sub, drops } = setUp(() => gate.promise);
    core.deliverNow(sub, message(1));
    core.deliverNow(sub, message(2));
    let flushed = false;
    const flushing = core.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    core.detach(sub);
    expect(drops.map(({ message: m, reason }) => [m.id, reason])).toEqual([["m2", "unsubscribed"]]);
    gate.resolve();
    await flushing;
    expect(core.stats()).toEqual({ delivered: 1, dropped: 1, pending: 0, handlerErrors: 0 });
  });

  it("drops and counts a message that arrives for a subscription already detached", () => {
    const seen: unknown[] = [];
    const { core, sub, drops } = setUp((m) => void seen.push(m.payload));
    core.detach(sub);
    core.deliverNow(sub, message(1));
    expect(seen).toEqual([]);
    expect(drops.map(({ message: m, reason }) => [m.id, reason])).toEqual([["m1", "unsubscribed"]]);
    expect(core.stats()).toEqual({ delivered: 0, dropped: 1, pending: 0, handlerErrors: 0 });
  });

  it("reports a direct call's value to the request's waiter", () => {
    const { core, sub } = setUp((m) => `re:${String(m.payload)}`);
    const replies: unknown[] = [];
    const request = message(7);
    core.expectReplies(request, { settle: (value) => (replies.push(value), true) });
    core.deliverNow(sub, request);
    expect(replies).toEqual(["re:7"]);
  });

  it("starts a new timestamp turn for each handler call", () => {
    let now = 100;
    const turn = new TurnClock({ now: () => now++, setTimeout: () => undefined, clearTimeout: () => undefined }, "turn");
    const stamps: number[] = [];
    const { core, sub } = setUp(() => void stamps.push(turn.now(), turn.now()), {}, turn);
    core.deliverNow(sub, message(1));
    core.deliverNow(sub, message(2));
    expect(stamps).toEqual([100, 100, 101, 101]);
  });
});
