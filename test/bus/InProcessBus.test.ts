import { format, inspect } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DropReason, Message, OverflowPolicy } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { Subscriber } from "../../src/bus/delivery/Subscriber.js";
import { RouteTable } from "../../src/bus/RouteTable.js";
import { BusError } from "../../src/errors/BusError.js";
import { MAX_TOPIC_LENGTH, validatePattern } from "../../src/bus/topic.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { gate } from "../helpers/promises.js";

async function turns(count = 3): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createBus: messages", () => {
  it("stamps messages with the bus clock at publish time", async () => {
    const clock = new ManualClock(1_000);
    const bus = createBus({ clock });
    const got: Message[] = [];
    bus.subscribe("t", (message) => void got.push(message));
    await bus.publish("t", 1);
    clock.jump(250);
    await bus.publish("t", 2);
    await bus.flush();
    expect(got.map((message) => message.timestamp)).toEqual([1_000, 1_250]);
  });

  it("gives unique ids, also across buses and beyond thousands of messages", async () => {
    const a = createBus();
    const b = createBus();
    const ids = new Set<string>();
    a.subscribe("t", (message) => void ids.add(message.id));
    b.subscribe("t", (message) => void ids.add(message.id));
    for (let i = 0; i < 10_000; i++) void a.publish("t", i);
    for (let i = 0; i < 100; i++) void b.publish("t", i);
    await a.flush();
    await b.flush();
    expect(ids.size).toBe(10_100);
  });

  it("carries source and headers only when given", async () => {
    const bus = createBus();
    const got: Message[] = [];
    bus.subscribe("t", (message) => void got.push(message));
    await bus.publish("t", 1, { source: "feed", headers: { trace: "abc" } });
    await bus.publish("t", 2);
    await bus.flush();
    expect(got[0]).toMatchObject({ topic: "t", payload: 1, source: "feed", headers: { trace: "abc" } });
    expect("source" in (got[1] as Message)).toBe(false);
    expect("headers" in (got[1] as Message)).toBe(false);
    expect(Object.keys(got[1] as Message).sort()).toEqual(["id", "payload", "timestamp", "topic"]);
  });

  it("returns the same already-resolved promise from every accepted publish", () => {
    const bus = createBus();
    bus.subscribe("t", () => undefined);
    expect(bus.publish("t", 1)).toBe(bus.publish("t", 2));
  });

  it("sees subscriptions made after a topic was first published, and forgets removed ones", async () => {
    const bus = createBus();
    const got: unknown[] = [];
    await bus.publish("a.b", "before");
    const sub = bus.subscribe("a.*", (message) => void got.push(message.payload));
    await bus.publish("a.b", "during");
    await bus.flush();
    sub.unsubscribe();
    await bus.publish("a.b", "after");
    await bus.flush();
    expect(got).toEqual(["during"]);
  });

  it("yields to the event loop during a long drain instead of starving I/O and timers", async () => {
    const bus = createBus();
    let handled = 0;
    bus.subscribe("t", () => void handled++, { maxPending: 50_000 });
    for (let i = 0; i < 30_000; i++) void bus.publish("t", i);
    let handledWhenImmediateRan = -1;
    setImmediate(() => {
      handledWhenImmediateRan = handled;
    });
    await bus.flush();
    expect(handled).toBe(30_000);
    expect(handledWhenImmediateRan).toBeGreaterThan(0);
    expect(handledWhenImmediateRan).toBeLessThan(30_000);
  });
});

describe("createBus: subscriptions", () => {
  it("exposes the pattern, the queue group, the pending count and whether it is active", async () => {
    const bus = createBus();
    const hold = gate();
    const sub = bus.subscribe("jobs.*", () => hold.promise, { queue: "workers" });
    expect(sub).toMatchObject({ pattern: "jobs.*", queue: "workers", pending: 0, active: true });
    for (let i = 0; i < 3; i++) await bus.publish("jobs.run", i);
    await turns();
    expect(sub.pending).toBe(2);
    sub.unsubscribe();
    expect(sub.active).toBe(false);
    expect(sub.pending).toBe(0);
    hold.release();
  });

  it("unsubscribes through a detached unsubscribe, e.g. as an abort listener, once", async () => {
    const bus = createBus();
    const got: number[] = [];
    const sub = bus.subscribe("jobs", (message) => void got.push(message.payload as number));
    const controller = new AbortController();
    controller.signal.addEventListener("abort", sub.unsubscribe);
    expect(sub.unsubscribe).toBe(sub.unsubscribe);
    await bus.publish("jobs", 1);
    await bus.flush();
    controller.abort();
    const { unsubscribe } = sub;
    unsubscribe(); // idempotent
    expect(sub.active).toBe(false);
    await bus.publish("jobs", 2);
    await bus.flush();
    expect(got).toEqual([1]);
    expect(bus.patterns()).toEqual([]);
  });

  it("lists live patterns and counts the subscriptions a topic reaches", () => {
    const bus = createBus();
    bus.subscribe("a.*", () => undefined);
    const b = bus.subscribe("a.>", () => undefined, { queue: "g" });
    bus.subscribe("x", () => undefined);
    expect(bus.patterns()).toEqual(["a.*", "a.>", "x"]);
    expect(bus.subscriberCount("a.b")).toBe(2);
    b.unsubscribe();
    expect(bus.patterns()).toEqual(["a.*", "x"]);
    expect(bus.subscriberCount("a.b")).toBe(1);
    expect(() => bus.subscriberCount("a.*")).toThrow(BusError);
  });

  it("chooses the queue-group member with the injected random, among the group's matching members in subscription order", async () => {
    const draws = [0, 0.5, 0.99, 0.34];
    const bus = createBus({ random: () => draws.shift() ?? 0 });
    const got: string[] = [];
    bus.subscribe("jobs.run", (message) => void got.push(`m0:${String(message.payload)}`), { queue: "w" });
    bus.subscribe("jobs.*", (message) => void got.push(`m1:${String(message.payload)}`), { queue: "w" });
    bus.subscribe("jobs.>", (message) => void got.push(`m2:${String(message.payload)}`), { queue: "w" });
    for (let i = 0; i < 4; i++) await bus.publish("jobs.run", i);
    await bus.flush();
    expect(got).toEqual(["m0:0", "m1:1", "m2:2", "m1:3"]);
  });

  it("spreads a queue group's messages over its members with the default random", async () => {
    const bus = createBus();
    const counts = [0, 0, 0];
    counts.forEach((_, i) => bus.subscribe("work", () => void counts[i]!++, { queue: "pool" }));
    for (let i = 0; i < 300; i++) void bus.publish("work", i);
    await bus.flush();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
    for (const count of counts) expect(count).toBeGreaterThan(30);
  });

  it("keeps flush exact when a handler overflows its own queue", async () => {
    const bus = createBus();
    const seen: number[] = [];
    const hold = gate();
    bus.subscribe(
      "t",
      (message) => {
        const n = message.payload as number;
        seen.push(n);
        if (n === 0) for (let i = 1; i <= 4; i++) void bus.publish("t", i);
        return n === 3 ? hold.promise : undefined;
      },
      { maxPending: 2 },
    );
    await bus.publish("t", 0);
    await turns();
    let flushed = false;
    const flushing = bus.flush().then(() => {
      flushed = true;
    });
    await turns();
    expect(seen).toEqual([0, 3]);
    expect(flushed).toBe(false);
    hold.release();
    await flushing;
    expect(seen).toEqual([0, 3, 4]);
    expect(bus.stats()).toMatchObject({ dropped: 2, pending: 0 });
  });

  it("makes flush wait for a handler still running after its subscription was removed", async () => {
    const bus = createBus();
    const hold = gate();
    let done = false;
    const sub = bus.subscribe("t", async () => {
      await hold.promise;
      done = true;
    });
    await bus.publish("t", 1);
    await turns();
    sub.unsubscribe();
    let flushed = false;
    const flushing = bus.flush().then(() => {
      flushed = true;
    });
    await turns();
    expect(flushed).toBe(false);
    hold.release();
    await flushing;
    expect(done).toBe(true);
  });
});

describe("createBus: drops and stats", () => {
  it("reports every drop through onDrop with its reason and counts it", async () => {
    const drops: Array<[unknown, DropReason]> = [];
    const bus = createBus({ onDrop: (message, reason) => drops.push([message.payload, reason]) });
    const hold = gate();
    const gates = new Map<unknown, Promise<void>>([[0, hold.promise], ["late", new Promise(() => undefined)]]);
    const oldest = bus.subscribe("a", (message) => gates.get(message.payload), { maxPending: 1 });
    bus.subscribe("b", (message) => gates.get(message.payload), { maxPending: 1, overflow: "drop-newest" });

    await bus.publish("a", 0);
    await bus.publish("b", 0);
    await turns();
    for (const n of [1, 2]) {
      await bus.publish("a", n);
      await bus.publish("b", n);
    }
    expect(drops).toEqual([
      [1, "overflow"],
      [2, "overflow"],
    ]);
    oldest.unsubscribe();
    expect(drops.at(-1)).toEqual([2, "unsubscribed"]);
    hold.release();
    await bus.flush();

    // published while close() flushes, then still queued when the bus closes
    const closeHold = gate();
    bus.subscribe("c", (message) => (message.payload === 0 ? closeHold.promise : new Promise<void>(() => undefined)));
    await bus.publish("c", 0);
    await turns();
    const closing = bus.close();
    await bus.publish("c", 1);
    await bus.publish("c", 2);
    closeHold.release();
    await closing;
    expect(drops.at(-1)).toEqual([2, "closed"]);
    expect(bus.stats().dropped).toBe(drops.length);
    expect(bus.stats().pending).toBe(0);
  });

  it("a request made from onDrop while a publish gathers its queue-group targets goes to its own subscribers, and the publish to its own", async () => {
    const seen: string[] = [];
    const replies: unknown[] = [];
    const bus: ReturnType<typeof createBus> = createBus({
      onDrop: () => {
        void bus.request("svc.a", "req").then((reply) => replies.push(reply));
      },
    });
    bus.subscribe("svc.a", (m) => (seen.push(`svc got ${m.topic}`), "plain"));
    bus.subscribe("svc.a", (m) => (seen.push(`svc group got ${m.topic}`), "group"), { queue: "g" });
    bus.subscribe("x.y", () => new Promise<void>(() => undefined), { maxPending: 1 });
    bus.subscribe("x.y", (m) => void seen.push(`x.y group got ${String(m.payload)}`), { queue: "q" });
    await bus.publish("x.y", 1);
    await turns();
    await bus.publish("x.y", 2);
    await bus.publish("x.y", 3); // the hung subscription's queue is full: drop-oldest calls onDrop mid-publish
    await turns();
    expect(seen.filter((line) => line.startsWith("x.y group"))).toEqual(["x.y group got 1", "x.y group got 2", "x.y group got 3"]);
    expect(seen.filter((line) => line.startsWith("svc"))).toEqual(["svc got svc.a", "svc group got svc.a"]);
    expect(replies).toHaveLength(1);
  });

  it("keeps counting when onDrop throws, and says so once on the console", async () => {
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const bus = createBus({
      onDrop: () => {
        throw new Error("onDrop broke");
      },
    });
    bus.subscribe("t", () => undefined, { maxPending: 1, overflow: "drop-newest" });
    for (let i = 0; i < 5; i++) void bus.publish("t", i);
    await bus.flush();
    expect(bus.stats()).toMatchObject({ dropped: 4, delivered: 1 });
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(String(consoleError.mock.calls[0]?.[0])).toContain("onDrop threw");
  });

  it("counts published, delivered, pending and handler errors", async () => {
    const bus = createBus({ onError: () => undefined });
    const hold = gate();
    bus.subscribe("t", async (message) => {
      if (message.payload === "boom") throw new Error("boom");
      await hold.promise;
    });
    bus.subscribe("t", () => undefined);
    await bus.publish("t", 1);
    await bus.publish("t", 2);
    await bus.publish("unheard", 3);
    await turns();
    expect(bus.stats()).toEqual({ published: 3, delivered: 2, dropped: 0, pending: 1, handlerErrors: 0 });
    hold.release();
    await bus.publish("t", "boom");
    await bus.flush();
    expect(bus.stats()).toEqual({ published: 4, delivered: 6, dropped: 0, pending: 0, handlerErrors: 1 });
  });

  it("refuses with QUEUE_FULL without counting a drop or a publish", async () => {
    const bus = createBus();
    const hold = gate();
    bus.subscribe("t", () => hold.promise, { maxPending: 1, overflow: "error" });
    await bus.publish("t", 0);
    await turns();
    await bus.publish("t", 1);
    const error = await bus.publish("t", 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusError);
    expect(error).toMatchObject({ code: "QUEUE_FULL", topic: "t" });
    expect((error as BusError).message).toContain("maxPending");
    expect(bus.stats()).toMatchObject({ published: 2, dropped: 0 });
    hold.release();
  });

  it("checks the chosen queue-group member's room before queueing anywhere", async () => {
    const bus = createBus({ random: () => 0 });
    const hold = gate();
    const plain: unknown[] = [];
    bus.subscribe("t", (message) => void plain.push(message.payload));
    bus.subscribe("t", () => hold.promise, { queue: "g", maxPending: 1, overflow: "error" });
    await bus.publish("t", 0);
    await turns();
    await bus.publish("t", 1);
    await expect(bus.publish("t", 2)).rejects.toMatchObject({ code: "QUEUE_FULL" });
    hold.release();
    await bus.flush();
    expect(plain).toEqual([0, 1]);
  });
});

describe("createBus: handler errors", () => {
  it("routes a handler error to the subscription's onError before the bus's", async () => {
    const busErrors: unknown[] = [];
    const subErrors: Array<[unknown, string]> = [];
    const bus = createBus({ onError: (error) => busErrors.push(error) });
    bus.subscribe(
      "t",
      () => {
        throw new Error("own");
      },
      { onError: (error, message) => subErrors.push([error, message.id]) },
    );
    bus.subscribe("t", async () => {
      throw new Error("shared");
    });
    await bus.publish("t", 1);
    await bus.flush();
    expect(subErrors).toHaveLength(1);
    expect((subErrors[0]?.[0] as Error).message).toBe("own");
    expect(busErrors.map((error) => (error as Error).message)).toEqual(["shared"]);
  });

  it("writes an unrouted handler error to the console once per subscription and counts every one", async () => {
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const bus = createBus();
    bus.subscribe("a", () => {
      throw new Error("a failed");
    });
    bus.subscribe("b", () => Promise.reject(new Error("b failed")));
    for (let i = 0; i < 3; i++) {
      await bus.publish("a", i);
      await bus.publish("b", i);
    }
    await bus.flush();
    expect(bus.stats().handlerErrors).toBe(6);
    expect(consoleError).toHaveBeenCalledTimes(2);
    const lines = consoleError.mock.calls.map((call) => String(call[0]));
    expect(lines[0]).toContain('subscription "a"');
    expect(lines[0]).toContain("stats().handlerErrors");
    expect(lines[1]).toContain('subscription "b"');
    expect(consoleError.mock.calls.map((call) => (call[1] as Error).message)).toEqual(["a failed", "b failed"]);
  });

  it("contains an onError that throws: reported once, delivery goes on", async () => {
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const bus = createBus({
      onError: () => {
        throw new Error("router broke");
      },
    });
    let calls = 0;
    bus.subscribe("t", () => {
      calls++;
      throw new Error("handler broke");
    });
    for (let i = 0; i < 3; i++) await bus.publish("t", i);
    await bus.flush();
    expect(calls).toBe(3);
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(String(consoleError.mock.calls[0]?.[0])).toContain("onError");
    expect((consoleError.mock.calls[0]?.[1] as Error).message).toBe("router broke");
  });

  it("treats a thenable whose `then` throws as a failed handler call", async () => {
    const errors: unknown[] = [];
    const bus = createBus({ onError: (error) => errors.push(error) });
    const trap = new Error("then trap");
    bus.subscribe("t", () => ({
      then() {
        throw trap;
      },
    }));
    await bus.publish("t", 1);
    await bus.flush();
    expect(errors).toEqual([trap]);
    expect(bus.stats()).toMatchObject({ delivered: 1, handlerErrors: 1 });
  });
});

describe("createBus: topic length limit", () => {
  const longest = `orders.${"x".repeat(MAX_TOPIC_LENGTH - "orders.".length)}`;
  const over = `${longest}y`;
  const isTooLong = (error: unknown): boolean =>
    error instanceof BusError && error.code === "INVALID_TOPIC" && error.message.includes(`the limit is ${MAX_TOPIC_LENGTH} characters on every Bus`);

  it("accepts a topic and a pattern of exactly MAX_TOPIC_LENGTH characters at publish, subscribe and request", async () => {
    const bus = createBus();
    const got: string[] = [];
    bus.subscribe(longest, (message) => {
      got.push(message.topic);
      return "reply";
    });
    bus.subscribe(`orders.*.${"x".repeat(MAX_TOPIC_LENGTH - "orders.*.".length)}`, () => undefined);
    await bus.publish(longest, 1);
    await expect(bus.request(longest, 2)).resolves.toBe("reply");
    await bus.flush();
    expect(got).toEqual([longest, longest]);
    expect(bus.subscriberCount(longest)).toBe(1);
  });

  it("refuses one character more at publish, request, subscribe and subscriberCount, naming the limit, and delivers or counts nothing", async () => {
    const bus = createBus();
    const got: unknown[] = [];
    bus.subscribe(">", (message) => void got.push(message.topic));
    for (let attempt = 0; attempt < 2; attempt++) {
      // twice: a refused topic is never cached as a route
      const published = bus.publish(over, 1);
      await expect(published).rejects.toSatisfy(isTooLong);
      await expect(bus.request(over, 1)).rejects.toSatisfy(isTooLong);
    }
    expect(() => bus.subscribe(over, () => undefined)).toThrow(expect.objectContaining({ code: "INVALID_TOPIC", message: expect.stringContaining("it is too long (1025 characters)") as unknown }));
    expect(() => bus.subscribe(`${"x".repeat(MAX_TOPIC_LENGTH - 1)}.>`, () => undefined)).toThrow(/Invalid pattern .*too long/);
    expect(() => bus.subscriberCount(over)).toThrow(/Invalid topic .*too long/);
    await bus.flush();
    expect(got).toEqual([]);
    expect(bus.patterns()).toEqual([">"]);
    expect(bus.stats()).toMatchObject({ published: 0, delivered: 0 });
  });

  it("refuses a topic that only grew past the limit after a shorter one was published (no route cache confusion)", async () => {
    const bus = createBus();
    await bus.publish(longest, 1);
    await expect(bus.publish(over, 1)).rejects.toSatisfy(isTooLong);
    await bus.publish(longest, 2);
    expect(bus.stats().published).toBe(2);
  });
});

describe("createBus: a thrown value the console cannot print", () => {
  /** A console.error that formats its arguments as the real one does, so a value util.inspect cannot print throws. */
  function formattingConsole(): string[] {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      lines.push(format(...args));
    });
    return lines;
  }
  /**
   * An error whose `stack` getter throws: Node 20's console throws on it (Node 22 and later print it
   * as `[Error: …]`, so there the bus's fallback text is not needed; either way delivery goes on).
   */
  function stackless(message: string): Error {
    const error = new Error(message);
    Object.defineProperty(error, "stack", {
      get() {
        throw new Error("stack getter broke");
      },
    });
    return error;
  }
  /** An object whose `util.inspect.custom` throws (thrown as is: a handler may throw anything). */
  const uninspectable: unknown = { [inspect.custom]: () => { throw new Error("inspect broke"); }, reason: "over limit" };

  async function settles(promise: Promise<unknown>, what: string): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within 1 s`)), 1_000);
    });
    try {
      await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  it("writes an unrouted handler error as text and keeps delivering", async () => {
    const lines = formattingConsole();
    const bus = createBus();
    const seen: number[] = [];
    bus.subscribe("a", (message) => {
      seen.push(message.payload as number);
      throw message.payload === 0 ? stackless("handler broke") : uninspectable;
    });
    bus.subscribe("b", () => {
      throw uninspectable;
    });
    for (let i = 0; i < 3; i++) {
      await bus.publish("a", i);
      await bus.publish("b", i);
    }
    await settles(bus.flush(), "flush()");
    expect(seen).toEqual([0, 1, 2]);
    expect(bus.stats().handlerErrors).toBe(6);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[agent-orchestrator\] a handler of the bus subscription "a" failed .*: (handler broke|\[Error: handler broke\])$/);
    expect(lines[1]).toMatch(/^\[agent-orchestrator\] a handler of the bus subscription "b" failed .*: \{"reason":"over limit"\}$/);
  });

  it("writes such an error thrown by onError or onDrop as text, and keeps going", async () => {
    const lines = formattingConsole();
    const bus = createBus({
      onError: () => {
        throw uninspectable;
      },
      onDrop: () => {
        throw stackless("onDrop broke");
      },
    });
    let calls = 0;
    bus.subscribe("t", () => {
      calls++;
      throw new Error("handler broke");
    }, { maxPending: 1, overflow: "drop-newest" });
    for (let i = 0; i < 3; i++) void bus.publish("t", i);
    await settles(bus.flush(), "flush()");
    await bus.publish("t", 3);
    await settles(bus.flush(), "flush()");
    expect(calls).toBe(2); // messages 0 and 3: 1 and 2 found the queue full
    expect(bus.stats()).toMatchObject({ dropped: 2, handlerErrors: 2 });
    expect(lines).toEqual([
      expect.stringMatching(/onDrop threw; further onDrop errors are ignored: (onDrop broke|\[Error: onDrop broke\])$/),
      expect.stringMatching(/the onError of the bus subscription "t" threw .*: \{"reason":"over limit"\}$/),
    ]);
  });
});

describe("createBus: close", () => {
  it("refuses subscribe and request after close with BUS_CLOSED", async () => {
    const bus = createBus();
    await bus.close();
    let thrown: unknown;
    try {
      bus.subscribe("t", () => undefined);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "BUS_CLOSED", topic: "t" });
    await expect(bus.request("t", 1)).rejects.toMatchObject({ code: "BUS_CLOSED" });
    await expect(bus.publish("t", 1)).rejects.toThrow(/closed/);
  });

  it("returns the same promise from repeated close calls", () => {
    const bus = createBus();
    expect(bus.close()).toBe(bus.close());
  });
});

describe("RouteTable: which subscriptions a topic reaches, as a table", () => {
  const make = (id: number, pattern: string, options: { queue?: string; overflow?: OverflowPolicy } = {}): Subscriber =>
    new Subscriber({ id, pattern, tokens: validatePattern(pattern), handler: () => undefined, queue: options.queue, concurrency: 1, maxPending: 1, overflow: options.overflow ?? "drop-oldest", onError: undefined });
  it.each<[string, Array<[string, { queue?: string; overflow?: OverflowPolicy }?]>, string, number[], number[][], boolean]>([
    ["nothing subscribed", [], "a.b", [], [], true],
    ["plain subscriptions in subscription order", [["a.*"], ["a.b"], ["x"]], "a.b", [0, 1], [], true],
    ["wildcards", [["a.>"], ["*.b"], ["a"]], "a.b", [0, 1], [], true],
    ["a queue group: not direct", [["a.b", { queue: "g" }], ["a.*", { queue: "g" }], ["a.b"]], "a.b", [2], [[0, 1]], false],
    ["two queue groups", [["a.b", { queue: "g" }], ["a.b", { queue: "h" }]], "a.b", [], [[0], [1]], false],
    ["a subscription that refuses when full: not direct", [["a.b", { overflow: "error" }], ["a.b"]], "a.b", [0, 1], [], false],
    ["drop-newest is direct", [["a.b", { overflow: "drop-newest" }]], "a.b", [0], [], true],
  ])("%s", (_what, subscriptions, topic, plain, groups, direct) => {
    const table = new RouteTable(() => 0);
    subscriptions.forEach(([pattern, options], id) => table.add(make(id, pattern, options)));
    const route = table.find(topic);
    expect(route.plain.map((sub) => sub.id)).toEqual(plain);
    expect(route.groups.map((members) => members.map((sub) => sub.id))).toEqual(groups);
    expect(route.direct).toBe(direct);
  });

  it("forgets cached routes when subscriptions change, and refuses a malformed topic", () => {
    const table = new RouteTable(() => 0.99);
    const first = make(0, "a.b");
    table.add(first);
    expect(table.find("a.b").plain).toEqual([first]);
    const second = make(1, "a.*", { queue: "g" });
    table.add(second);
    const targets: Array<Subscriber | undefined> = [];
    expect(table.targets(table.find("a.b"), targets)).toBe(2);
    expect(targets).toEqual([first, second]);
    table.remove(first);
    expect(table.find("a.b").plain).toEqual([]);
    expect(() => table.find("a..b")).toThrow(expect.objectContaining({ code: "INVALID_TOPIC" }));
  });
});
