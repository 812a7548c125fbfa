import { describe, expect, it, vi } from "vitest";
import { MAX_TOPIC_LENGTH } from "../../src/bus/topic.js";
import { FakeBus } from "../../src/testing/FakeBus.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

describe("FakeBus", () => {
  it("records every accepted message in order, requests included, with ids and clock timestamps", async () => {
    const clock = new ManualClock(5_000);
    const bus = new FakeBus({ clock });
    bus.subscribe("rpc", () => "pong");
    await bus.publish("prices.AAPL", 187, { source: "feed" });
    clock.jump(10);
    await bus.publish("orders.new", { qty: 1 });
    await bus.request("rpc", "ping");
    await expect(bus.publish("bad topic", 1)).rejects.toMatchObject({ code: "INVALID_TOPIC" });
    expect(bus.published.map((m) => [m.topic, m.payload, m.timestamp])).toEqual([
      ["prices.AAPL", 187, 5_000],
      ["orders.new", { qty: 1 }, 5_010],
      ["rpc", "ping", 5_010],
    ]);
    expect(bus.published[0]).toMatchObject({ source: "feed" });
    expect(new Set(bus.published.map((m) => m.id)).size).toBe(3);
  });

  it("records a message as soon as publish returns, before any delivery", () => {
    const bus = new FakeBus();
    let handled = false;
    bus.subscribe("t", () => {
      handled = true;
    });
    void bus.publish("t", 1);
    expect(bus.payloads("t")).toEqual([1]);
    expect(handled).toBe(false);
  });

  it("filters recorded messages by topic or pattern", async () => {
    const bus = new FakeBus();
    for (const topic of ["prices.AAPL", "prices.MSFT", "prices.AAPL.ask", "orders.new"]) await bus.publish(topic, topic);
    expect(bus.payloads("prices.*")).toEqual(["prices.AAPL", "prices.MSFT"]);
    expect(bus.payloads("prices.>")).toEqual(["prices.AAPL", "prices.MSFT", "prices.AAPL.ask"]);
    expect(bus.messages("orders.new").map((m) => m.topic)).toEqual(["orders.new"]);
    expect(bus.messages("nothing")).toEqual([]);
    expect(() => bus.messages("prices.>.x")).toThrow(/must be the last token/);
  });

  it("deliver waits for every matching handler, asynchronous ones included", async () => {
    const clock = new ManualClock();
    const bus = new FakeBus({ clock });
    const seen: string[] = [];
    bus.subscribe("job.*", async (m) => {
      await Promise.resolve();
      await Promise.resolve();
      seen.push(`a:${String(m.payload)}`);
    });
    bus.subscribe("job.run", (m) => void seen.push(`b:${String(m.payload)}`));
    await bus.deliver("job.run", 1);
    expect(seen.sort()).toEqual(["a:1", "b:1"]);
  });

  it("collects handler errors instead of rejecting, and still gives them to the subscription's onError", async () => {
    const bus = new FakeBus();
    const own: unknown[] = [];
    const sync = new Error("sync");
    const async = new Error("async");
    bus.subscribe("t", () => {
      throw sync;
    }, { onError: (error) => own.push(error) });
    bus.subscribe("t", () => Promise.reject(async));
    await expect(bus.deliver("t", 1)).resolves.toBeUndefined();
    expect(bus.errors).toEqual([sync, async]);
    expect(own).toEqual([sync]);
    expect(bus.stats().handlerErrors).toBe(2);
  });

  it("rejects deliver when the publish itself is refused", async () => {
    const bus = new FakeBus();
    await expect(bus.deliver("a..b", 1)).rejects.toMatchObject({ code: "INVALID_TOPIC" });
    await bus.close();
    await expect(bus.deliver("t", 1)).rejects.toMatchObject({ code: "BUS_CLOSED" });
  });

  it("accepts topics and patterns of exactly MAX_TOPIC_LENGTH characters at every entry point", async () => {
    const longest = `orders.${"x".repeat(MAX_TOPIC_LENGTH - "orders.".length)}`;
    const bus = new FakeBus();
    bus.subscribe(longest, () => "reply");
    await bus.publish(longest, 1);
    await bus.deliver(longest, 2);
    await expect(bus.request(longest, 3)).resolves.toBe("reply");
    expect(bus.payloads(longest)).toEqual([1, 2, 3]);
    expect(bus.messages(longest)).toHaveLength(3);
    expect(bus.subscriberCount(longest)).toBe(1);
    expect(bus.errors).toEqual([]);
  });

  it("refuses topics and patterns over MAX_TOPIC_LENGTH characters at every entry point, naming the limit, and records nothing", async () => {
    const over = `orders.${"x".repeat(MAX_TOPIC_LENGTH + 1 - "orders.".length)}`;
    const tooLong = { code: "INVALID_TOPIC", message: expect.stringContaining(`the limit is ${MAX_TOPIC_LENGTH} characters on every Bus`) as unknown };
    const bus = new FakeBus();
    const seen: unknown[] = [];
    bus.subscribe(">", (message) => void seen.push(message));
    await expect(bus.publish(over, 1)).rejects.toMatchObject(tooLong);
    await expect(bus.deliver(over, 2)).rejects.toMatchObject(tooLong);
    await expect(bus.request(over, 3)).rejects.toMatchObject(tooLong);
    expect(() => bus.subscribe(over, () => undefined)).toThrow(expect.objectContaining(tooLong));
    expect(() => bus.subscribe(`${over.slice(0, -2)}.>`, () => undefined)).toThrow(expect.objectContaining(tooLong));
    expect(() => bus.messages(over)).toThrow(expect.objectContaining(tooLong));
    expect(() => bus.payloads(over)).toThrow(expect.objectContaining(tooLong));
    expect(() => bus.subscriberCount(over)).toThrow(expect.objectContaining(tooLong));
    await bus.flush();
    expect(seen).toEqual([]);
    expect(bus.published).toEqual([]);
    expect(bus.errors).toEqual([]);
    expect(bus.patterns()).toEqual([">"]);
  });

  it("times requests out on its own ManualClock by default", async () => {
    const bus = new FakeBus();
    expect(bus.clock).toBeInstanceOf(ManualClock);
    bus.subscribe("slow", () => new Promise(() => undefined));
    const request = bus.request("slow", 1, { timeoutMs: 100 });
    const outcome = request.catch((error: unknown) => error);
    await (bus.clock as ManualClock).advance(100);
    expect(await outcome).toMatchObject({ code: "REQUEST_TIMEOUT" });
  });

  it("tells which patterns are subscribed and how many subscriptions a topic reaches", () => {
    const bus = new FakeBus();
    const sub = bus.subscribe("cron.feed", () => undefined);
    bus.subscribe("prices.>", () => undefined, { queue: "strategies" });
    expect(bus.patterns()).toEqual(["cron.feed", "prices.>"]);
    expect(bus.subscriberCount("prices.AAPL")).toBe(1);
    expect(bus.subscriberCount("cron.feed")).toBe(1);
    sub.unsubscribe();
    expect(bus.subscriberCount("cron.feed")).toBe(0);
  });

  it("forgets recorded messages and errors on clear(), keeping subscriptions", async () => {
    const bus = new FakeBus();
    let calls = 0;
    bus.subscribe("t", () => {
      calls++;
      throw new Error("x");
    });
    await bus.deliver("t", 1);
    bus.clear();
    expect(bus.published).toEqual([]);
    expect(bus.errors).toEqual([]);
    await bus.deliver("t", 2);
    expect(calls).toBe(2);
    expect(bus.payloads("t")).toEqual([2]);
  });

  it("uses the injected random for queue groups", async () => {
    const bus = new FakeBus({ random: () => 0.99 });
    const got: string[] = [];
    bus.subscribe("w", () => void got.push("first"), { queue: "g" });
    bus.subscribe("w", () => void got.push("second"), { queue: "g" });
    await bus.deliver("w", 1);
    expect(got).toEqual(["second"]);
  });
});

describe("FakeBus.deliver waits for the handlers its message reaches, and only those", () => {
  const never = (): Promise<never> => new Promise<never>(() => undefined);

  it("a stuck handler of another topic does not hold deliver()", async () => {
    const bus = new FakeBus();
    bus.subscribe("stuck", never);
    await bus.publish("stuck", 1);
    const seen: unknown[] = [];
    bus.subscribe("orders.new", async (m) => {
      await Promise.resolve();
      seen.push(m.payload);
    });
    await bus.deliver("orders.new", 2);
    expect(seen).toEqual([2]);
    expect(bus.stats().pending).toBe(0);
  });

  it("waits for every handler call of its message: plain subscriptions and one member per queue group", async () => {
    const bus = new FakeBus({ random: () => 0 });
    const done: string[] = [];
    const slow = (label: string) => async (): Promise<void> => {
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      done.push(label);
    };
    bus.subscribe("job.*", slow("wildcard"));
    bus.subscribe("job.run", slow("member-a"), { queue: "workers" });
    bus.subscribe("job.run", slow("member-b"), { queue: "workers" });
    bus.subscribe("job.other", never);
    await bus.deliver("job.run", 1);
    expect(done.sort()).toEqual(["member-a", "wildcard"]);
  });

  it("a copy dropped on the way counts as settled: unsubscribed while queued, or overflowed", async () => {
    const bus = new FakeBus();
    let release!: () => void;
    const sub = bus.subscribe("q", (m) => (m.payload === "first" ? new Promise<void>((resolve) => (release = resolve)) : undefined));
    await bus.publish("q", "first");
    await Promise.resolve();
    const second = bus.deliver("q", "second"); // queued behind the running "first"
    sub.unsubscribe();
    await second;
    release();

    const tiny = new FakeBus();
    tiny.subscribe("o", never, { maxPending: 1, overflow: "drop-newest" });
    await tiny.publish("o", "running");
    await Promise.resolve();
    await tiny.publish("o", "queued");
    await tiny.deliver("o", "dropped"); // the queue is full: this copy is dropped at once
    expect(tiny.stats().dropped).toBe(1);
  });

  it("does not wait for what its handlers publish in turn; flush() does", async () => {
    const bus = new FakeBus();
    let downstream = 0;
    bus.subscribe("a", async () => {
      await bus.publish("b", "from a");
    });
    bus.subscribe("b", async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      downstream++;
    });
    await bus.deliver("a", 1);
    expect(bus.payloads("b")).toEqual(["from a"]);
    await bus.flush();
    expect(downstream).toBe(1);
  });

  it("has every handler error recorded when it resolves, also when a subscription's own onError throws", async () => {
    const bus = new FakeBus();
    const failure = new Error("async failure");
    bus.subscribe("t", () => Promise.reject(failure), {
      onError: () => {
        throw new Error("onError itself fails");
      },
    });
    bus.subscribe("t", () => {
      throw new Error("sync failure");
    });
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    let reports = 0;
    try {
      await bus.deliver("t", 1);
      reports = consoleError.mock.calls.length;
    } finally {
      consoleError.mockRestore();
    }
    expect(bus.errors.map(String)).toEqual(["Error: sync failure", "Error: async failure"]);
    expect(reports).toBe(1); // the bus reports the throwing onError once
  });

  it("resolves at once when nothing matches", async () => {
    const bus = new FakeBus();
    bus.subscribe("other", never);
    await bus.publish("other", 1);
    await bus.deliver("nobody.listens", 1);
    expect(bus.payloads("nobody.listens")).toEqual([1]);
  });
});
