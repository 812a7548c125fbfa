import { describe, expect, it } from "vitest";
import type { Message } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { Subscriber } from "../../src/bus/delivery/Subscriber.js";
import { RouteTable } from "../../src/bus/RouteTable.js";
import { validatePattern } from "../../src/bus/topic.js";

function make(id: number, pattern: string, queue?: string): Subscriber {
  return new Subscriber({ id, pattern, tokens: validatePattern(pattern), handler: () => undefined, queue, concurrency: 1, maxPending: 10, overflow: "drop-oldest", onError: undefined });
}

describe("RouteTable: a subscription change forgets only the routes it changes", () => {
  it("keeps an unrelated topic's route across a subscribe and an unsubscribe", () => {
    const table = new RouteTable(() => 0);
    table.add(make(0, "a.b"));
    const route = table.find("a.b");
    table.find("c.d");
    expect(table.computed).toBe(2);
    const other = make(1, "c.d");
    table.add(other);
    table.remove(other);
    table.add(make(2, "x.*"));
    table.add(make(3, "c.>"));
    expect(table.find("a.b")).toBe(route);
    expect(table.computed).toBe(2);
  });

  it.each<[string, string, string[], string[]]>([
    ["a literal pattern", "a.b", ["a.b"], ["a.c", "a.b.c", "b.b"]],
    ["a `*` pattern", "a.*", ["a.b", "a.c"], ["a.b.c", "b.b", "a"]],
    ["a `*` in the middle", "*.b", ["a.b", "b.b"], ["a.c", "a.b.c"]],
    ["a `>` pattern", "a.>", ["a.b", "a.c", "a.b.c"], ["a", "b.b"]],
    ["`>` alone", ">", ["a", "a.b", "a.c", "a.b.c", "b.b"], []],
  ])("%s forgets the routes of the topics it matches and no other", (_what, pattern, forgotten, kept) => {
    const table = new RouteTable(() => 0);
    const topics = ["a", "a.b", "a.c", "a.b.c", "b.b"];
    const before = new Map(topics.map((topic) => [topic, table.find(topic)]));
    table.add(make(0, pattern));
    for (const topic of forgotten) expect(table.find(topic), topic).not.toBe(before.get(topic));
    for (const topic of kept) expect(table.find(topic), topic).toBe(before.get(topic));
    for (const topic of forgotten) expect(table.find(topic).plain.map((sub) => sub.pattern)).toEqual([pattern]);
  });

  it("rebuilds a forgotten route from the current subscriptions, also the one looked up last", () => {
    const table = new RouteTable(() => 0);
    const first = make(0, "a.b");
    table.add(first);
    expect(table.find("a.b").plain).toEqual([first]);
    const second = make(1, "a.*");
    table.add(second);
    expect(table.find("a.b").plain).toEqual([first, second]);
    table.remove(first);
    expect(table.find("a.b").plain).toEqual([second]);
  });
});

describe("createBus: queue groups", () => {
  it("delivers right when a drop report publishes again in the middle of a queue-group publish", async () => {
    const got: string[] = [];
    const bus = createBus({
      random: () => 0,
      onDrop: (message) => {
        if (message.topic === "jobs") void bus.publish("audit", `dropped ${String(message.payload)}`);
      },
    });
    bus.subscribe("jobs", (message: Message) => void got.push(`w1 ${String(message.payload)}`), { queue: "workers", maxPending: 1 });
    bus.subscribe("jobs", (message: Message) => void got.push(`w2 ${String(message.payload)}`), { queue: "workers" });
    bus.subscribe("jobs", (message: Message) => void got.push(`plain ${String(message.payload)}`));
    bus.subscribe("audit", (message: Message) => void got.push(`a1 ${String(message.payload)}`), { queue: "auditors" });
    bus.subscribe("audit", (message: Message) => void got.push(`plain-audit ${String(message.payload)}`));
    void bus.publish("jobs", 1);
    void bus.publish("jobs", 2); // w1 is full: drops job 1, whose report publishes on audit
    await bus.flush();
    await bus.flush();
    expect(got.sort()).toEqual(["a1 dropped 1", "plain 1", "plain 2", "plain-audit dropped 1", "w1 2"].sort());
  });
});

describe("RouteTable: a version per subscription change, and counts that cache nothing", () => {
  it("bumps the version on add and remove, and counts matching subscriptions without computing a route", () => {
    const table = new RouteTable(() => 0);
    expect(table.version).toBe(0);
    const wildcard = make(0, "cron.*");
    table.add(wildcard);
    table.add(make(1, "cron.feed", "feed"));
    table.add(make(2, ">"));
    expect(table.version).toBe(3);
    expect(table.count("cron.feed")).toBe(3);
    expect(table.count("cron.other")).toBe(2);
    expect(table.count("work.feed")).toBe(1);
    expect(table.computed).toBe(0);
    table.remove(wildcard);
    expect(table.version).toBe(4);
    expect(table.count("cron.other")).toBe(1);
    expect(() => table.count("cron..bad")).toThrow(expect.objectContaining({ code: "INVALID_TOPIC" }));
  });

  it("is what the in-process bus answers as subscriptionVersion and matchingSubscriptions", async () => {
    const bus = createBus();
    const before = bus.subscriptionVersion;
    const sub = bus.subscribe("prices.>", () => undefined);
    expect(bus.subscriptionVersion).toBe(before + 1);
    expect(bus.matchingSubscriptions("prices.AAPL.tick")).toBe(1);
    expect(bus.matchingSubscriptions("orders.new")).toBe(0);
    void sub.unsubscribe();
    expect(bus.subscriptionVersion).toBe(before + 2);
    expect(bus.matchingSubscriptions("prices.AAPL.tick")).toBe(0);
    await bus.close();
  });
});
