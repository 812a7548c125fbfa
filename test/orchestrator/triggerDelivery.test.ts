// How a tick travels from the scheduler to onCron (SPEC "Scheduling", decision 18): on the
// orchestrator's in-process bus without a coordinator it is handed to the agent directly and
// published on cron.<agent> only when someone else subscribes; on any other bus, or with a
// coordinator, it is published and consumed in a queue group named after the agent.
import { describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { createBus } from "../../src/bus/createBus.js";
import type { InProcessBus } from "../../src/bus/InProcessBus.js";
import type { TriggerCoordinator } from "../../src/orchestrator/TriggerCoordinator.js";
import type { CronTick, TickMessage } from "../../src/schedule/ScheduleSpec.js";
import { FakeBus } from "../../src/testing/FakeBus.js";
import { setup } from "../helpers/orchestrator.js";

function ticking(name: string) {
  const ticks: CronTick[] = [];
  class Ticking extends Agent {
    static readonly agentName = name;
    override onCron(tick: CronTick): void {
      ticks.push(tick);
    }
  }
  return { Agent: Ticking, ticks };
}

class Quiet extends Agent {
  static readonly agentName = "quiet";
}

describe("direct delivery on the orchestrator's in-process bus", () => {
  test("onCron runs once per slot and nothing is published while nobody else listens on cron.<agent>", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const { orch, clock } = setup({ agents: [Feed], config: { schedule: { feed: { every: "1s" } } } });
    await orch.start();
    const bus = orch.bus as InProcessBus;
    const before = bus.stats().published;
    await clock.advance(3_000);
    expect(ticks.map((t) => t.scheduledAt - ticks[0]!.scheduledAt)).toEqual([0, 1_000, 2_000]);
    expect(bus.stats().published).toBe(before);
    expect(orch.agent("feed")).toMatchObject({ state: "running", crashes: 0 });
    await orch.shutdown();
  });

  test("every tick is still published for a subscriber of cron.<agent>, cron.* or >, and onCron still runs once per slot", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const { orch, clock } = setup({ agents: [Feed], config: { schedule: { feed: { every: "1s" } } } });
    const seen: Record<string, string[]> = { exact: [], star: [], all: [] };
    orch.bus.subscribe("cron.feed", (m) => void seen["exact"]?.push((m.payload as TickMessage).key));
    orch.bus.subscribe("cron.*", (m) => void seen["star"]?.push((m.payload as TickMessage).key));
    orch.bus.subscribe(">", (m) => {
      if (m.topic.startsWith("cron.")) seen["all"]?.push((m.payload as TickMessage).key);
    });
    await orch.start();
    await clock.advance(2_000);
    const keys = ticks.map((t) => t.key);
    expect(keys).toHaveLength(2);
    expect(seen).toEqual({ exact: keys, star: keys, all: keys });
    await orch.shutdown();
  });

  test("a wildcard subscriber alone makes the tick published", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const { orch, clock } = setup({ agents: [Feed], config: { schedule: { feed: { every: "1s" } } } });
    const seen: unknown[] = [];
    orch.bus.subscribe("cron.>", (m) => void seen.push(m.payload));
    await orch.start();
    await clock.advance(1_000);
    expect(seen).toEqual(ticks);
    await orch.shutdown();
  });

  test("whether anyone listens follows subscribe and unsubscribe between ticks", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const bus = createBus();
    const { orch, clock } = setup({ agents: [Feed], bus, config: { schedule: { feed: { every: "1s" } } } });
    await orch.start();
    await clock.advance(1_000);
    expect(bus.stats().published).toBe(0);
    const seen: string[] = [];
    const sub = bus.subscribe("cron.*", (m) => void seen.push((m.payload as TickMessage).key));
    await clock.advance(1_000);
    await bus.flush();
    expect(seen).toEqual([ticks[1]?.key]);
    void sub.unsubscribe();
    await clock.advance(1_000);
    await bus.flush();
    expect(ticks).toHaveLength(3);
    expect(seen).toHaveLength(1);
    expect(bus.stats().published).toBe(1);
    await orch.shutdown();
  });

  test("a tick someone else publishes on cron.<agent> reaches its subscribers and onCron; the orchestrator's own run once", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const { orch, clock } = setup({ agents: [Feed], config: { schedule: { feed: { every: "1m" } } } });
    const seen: string[] = [];
    orch.bus.subscribe("cron.feed", (m) => void seen.push((m.payload as TickMessage).key));
    await orch.start();
    const manual: TickMessage = { agent: "feed", trigger: "by-hand", scheduledAt: clock.now(), firedAt: clock.now(), key: "feed:by-hand:x" };
    await orch.bus.publish("cron.feed", manual);
    await orch.bus.flush();
    await clock.advance(60_000);
    await orch.bus.flush();
    expect(ticks.map((t) => t.trigger)).toEqual(["by-hand", "every:1m"]);
    expect(ticks[0]?.key).toBe("feed:by-hand:x");
    expect(seen).toEqual(["feed:by-hand:x", ticks[1]?.key]);
    await orch.shutdown();
  });

  test("no incarnation subscribes to cron.<agent>: one cron.* subscription serves every agent, the running one gets its ticks directly, and nothing is left after shutdown", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const bus = createBus();
    const seen: unknown[] = [];
    bus.subscribe("other.topic", (m) => void seen.push(m.payload));
    const { orch, clock } = setup({ agents: [Feed, Quiet], bus, config: { schedule: { feed: { every: "1m" } } } });
    await orch.start();
    expect(bus.patterns().filter((p) => p.startsWith("cron."))).toEqual(["cron.*"]);
    expect(bus.stats().published).toBe(0);
    await clock.advance(60_000);
    expect(ticks).toHaveLength(1);
    // the wiring's own subscription does not count as someone listening: the tick was not published
    expect(bus.stats().published).toBe(0);
    await orch.shutdown();
    expect(bus.subscriberCount("cron.feed")).toBe(0);
    expect(bus.patterns().filter((p) => p.startsWith("cron."))).toEqual([]);
  });
});

describe("delivery through the bus", () => {
  test("on a bus that is not in-process (a FakeBus), every tick is published and reaches onCron through the queue group", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const bus = new FakeBus();
    const { orch, clock } = setup({ agents: [Feed, Quiet], bus, config: { schedule: { feed: { every: "1s" } } } });
    await orch.start();
    await clock.advance(2_000);
    await bus.flush();
    const published = bus.published.filter((m) => m.topic === "cron.feed");
    expect(published.map((m) => (m.payload as TickMessage).key)).toEqual(ticks.map((t) => t.key));
    expect(published.every((m) => m.source === "orchestrator")).toBe(true);
    expect(bus.subscriberCount("cron.quiet")).toBe(1);
    await orch.shutdown();
  });

  test("with a coordinator, a tick is published only once the coordinator gives the slot to this instance", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const claimed: string[] = [];
    const coordinator: TriggerCoordinator = {
      claim: (tick) => {
        claimed.push(tick.key);
        return Promise.resolve(claimed.length % 2 === 1);
      },
    };
    const { orch, clock } = setup({ agents: [Feed], coordinator, config: { schedule: { feed: { every: "1s" } } } });
    await orch.start();
    await clock.advance(4_000);
    await orch.bus.flush();
    expect(claimed).toHaveLength(4);
    expect(ticks.map((t) => t.key)).toEqual([claimed[0], claimed[2]]);
    await orch.shutdown();
  });
});
