import { describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { AgentError } from "../../src/errors/AgentError.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import type { CronTick } from "../../src/schedule/ScheduleSpec.js";
import { FakeBus } from "../../src/testing/FakeBus.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { testAgent } from "../../src/testing/testAgent.js";
import { never, setup } from "../helpers/orchestrator.js";

interface Quote {
  symbol: string;
  price: number;
}

/** The kind of agent a user writes: publishes on cron, answers requests, polls with a timer. */
class PriceFeed extends Agent<{ symbols: string[] }> {
  static readonly agentName = "feed";
  polls = 0;

  override start(): void {
    this.bus.subscribe("quotes.request", (m) => ({ symbol: m.payload as string, price: 100 }));
    this.bus.subscribe("quotes.bad", () => {
      throw new Error("cannot quote");
    });
    const poll = (): void => {
      this.polls++;
      this.heartbeat();
      this.clock.setTimeout(poll, 5_000);
    };
    this.clock.setTimeout(poll, 5_000);
  }

  override async onCron(tick: CronTick): Promise<void> {
    for (const symbol of this.config.symbols) {
      await this.bus.publish(`prices.${symbol}`, { symbol, price: tick.scheduledAt % 1_000 } satisfies Quote);
    }
  }
}

describe("testAgent", () => {
  test("starts an agent on a FakeBus and a ManualClock, with its config", async () => {
    const { agent, bus, clock, tick, crashes } = await testAgent(PriceFeed, { config: { symbols: ["AAPL", "MSFT"] } });
    expect(agent.name).toBe("feed");
    await tick();
    expect(bus.messages("prices.>").map((m) => m.topic)).toEqual(["prices.AAPL", "prices.MSFT"]);
    expect(bus.messages("prices.AAPL")[0]?.source).toBe("feed");
    await clock.advance(15_000);
    expect(agent.polls).toBe(3);
    expect(crashes).toEqual([]);
  });

  test("the agent answers requests over the FakeBus", async () => {
    const { bus } = await testAgent(PriceFeed, { config: { symbols: [] } });
    await expect(bus.request("quotes.request", "AAPL")).resolves.toEqual({ symbol: "AAPL", price: 100 });
  });

  test("a handler error is collected as a crash, never thrown at the test", async () => {
    const { bus, crashes } = await testAgent(PriceFeed, { config: { symbols: [] } });
    await bus.deliver("quotes.bad", null);
    expect(crashes).toHaveLength(1);
    expect((crashes[0] as Error).message).toBe("cannot quote");
  });

  test("a failing start(), onCron or fail() is a crash", async () => {
    class Broken extends Agent {
      override start(): void {
        throw new Error("no start");
      }
      override onCron(): Promise<void> {
        return Promise.reject(new Error("no cron"));
      }
    }
    const harness = await testAgent(Broken, { name: "broken" });
    await harness.tick();
    harness.agent.fail("gave up");
    expect(harness.crashes.map(String)).toEqual(["Error: no start", "Error: no cron", "gave up"]);
  });

  test("stop() aborts the signal and removes the agent's subscriptions and timers", async () => {
    const clock = new ManualClock(0);
    const bus = new FakeBus({ clock });
    const { agent, stop } = await testAgent(PriceFeed, { config: { symbols: [] }, clock, bus, name: "feed-1" });
    expect(bus.subscriberCount("quotes.request")).toBe(1);
    await stop();
    expect(agent.signal.aborted).toBe(true);
    expect(bus.subscriberCount("quotes.request")).toBe(0);
    expect(clock.pending).toBe(0);
    await clock.advance(60_000);
    expect(agent.polls).toBe(0);
  });

  test("heartbeats and log entries are recorded", async () => {
    class Chatty extends Agent {
      override start(): void {
        this.log.info({ step: 1 }, "up");
        this.heartbeat();
      }
    }
    const { logs, heartbeats } = await testAgent(Chatty);
    expect(logs).toEqual([{ level: "info", fields: { step: 1 }, message: "up" }]);
    expect(heartbeats()).toBe(1);
  });
});

/** Resolves after `ms` on `agent`'s clock. */
function sleep(agent: Agent, ms: number): Promise<void> {
  return new Promise((resolve) => agent.clock.setTimeout(resolve, ms));
}

/** An agent that records every tick it receives. */
class Recorder extends Agent {
  static readonly agentName = "recorder";
  readonly ticks: CronTick[] = [];
  override onCron(tick: CronTick): void {
    this.ticks.push(tick);
  }
}

/** An agent whose start() never settles. */
class HungStart extends Agent {
  static readonly agentName = "hung";
  override start(): Promise<void> {
    this.bus.subscribe("news", () => undefined);
    return never();
  }
}

/** An agent whose stop() never settles. */
class HungStop extends Agent {
  static readonly agentName = "stuck";
  override stop(): Promise<void> {
    return never();
  }
}

describe("testAgent: the tick onCron receives", () => {
  test("tick() gives onCron a signal, in the tick the orchestrator builds (same fields, same non-enumerable signal)", async () => {
    const received: CronTick[] = [];
    class Scheduled extends Recorder {
      override onCron(tick: CronTick): void {
        received.push(tick);
      }
    }
    const { orch, clock } = setup({ agents: [Scheduled], config: { schedule: { recorder: { every: "1s", name: "t" } } } });
    await orch.start();
    await clock.advance(1_000);
    await orch.shutdown();
    expect(received).toHaveLength(1);
    const fromOrchestrator = received[0] as CronTick;
    const harness = await testAgent(Recorder);
    await harness.tick("t");
    const fromHarness = harness.agent.ticks[0] as CronTick;
    expect(fromHarness.signal).toBeInstanceOf(AbortSignal);
    expect(fromHarness.signal.aborted).toBe(false);
    expect(Object.keys(fromHarness)).toEqual(Object.keys(fromOrchestrator));
    expect(Object.getOwnPropertyDescriptor(fromHarness, "signal")).toEqual(Object.getOwnPropertyDescriptor(fromOrchestrator, "signal"));
    expect(Object.getPrototypeOf(fromHarness)).toBe(Object.getPrototypeOf(fromOrchestrator));
    expect(fromHarness).toEqual({ agent: "recorder", trigger: "t", scheduledAt: harness.clock.now(), firedAt: harness.clock.now(), key: `recorder:t:${new Date(harness.clock.now()).toISOString()}` });
  });

  test("a tick's signal is aborted when the harness stops, as an incarnation's end aborts it", async () => {
    const seen: CronTick[] = [];
    class Waiter extends Agent {
      override onCron(tick: CronTick): Promise<void> {
        seen.push(tick);
        return new Promise((resolve) => tick.signal.addEventListener("abort", () => resolve()));
      }
    }
    const harness = await testAgent(Waiter);
    const ticking = harness.tick();
    expect(seen[0]?.signal.aborted).toBe(false);
    await harness.stop();
    await ticking;
    expect(seen[0]?.signal.aborted).toBe(true);
    expect(seen[0]?.signal.reason).toMatchObject({ name: "AbortError", message: "The agent's incarnation ended" });
    expect(harness.crashes).toEqual([]);
  });

  test("tick() after stop() rejects with SHUT_DOWN and never calls onCron", async () => {
    const harness = await testAgent(Recorder);
    await harness.stop();
    const refused = harness.tick("late");
    await expect(refused).rejects.toBeInstanceOf(LifecycleError);
    await expect(refused).rejects.toMatchObject({ code: "SHUT_DOWN", message: expect.stringMatching(/tick\("late"\).*"recorder" is stopping or stopped \(stop\(\) was called\)/) as unknown });
    expect(harness.agent.ticks).toEqual([]);
  });

  test("tick() refuses a trigger that is not a non-empty string, naming it", async () => {
    const harness = await testAgent(Recorder);
    await expect(harness.tick("")).rejects.toThrow(new ConfigError('testAgent: tick(): expected `trigger` to be a non-empty string, got ""', { code: "INVALID_OPTION", path: "trigger", value: "" }));
    await expect(harness.tick(42 as unknown as string)).rejects.toMatchObject({
      code: "INVALID_OPTION",
      value: 42,
      message: "testAgent: tick(): expected `trigger` to be a non-empty string, got 42",
    });
    expect(harness.agent.ticks).toEqual([]);
  });
});

describe("testAgent: start() and stop() are bounded, as the orchestrator bounds them", () => {
  test("a start() that never settles is a hung crash after startTimeout on the harness's own clock, and the agent is abandoned", async () => {
    const harness = await testAgent(HungStart);
    expect(harness.clock.now()).toBe(Date.parse("2026-01-01T00:00:30Z"));
    expect(harness.crashes).toHaveLength(1);
    const error = harness.crashes[0] as AgentError;
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({ code: "AGENT_HUNG", agent: "hung" });
    expect(error.message).toMatch(/^agent "hung": start\(\) did not settle within 30s \(testAgent startTimeout\); the harness moved its own clock/);
    expect(harness.agent.signal.reason).toBe(error);
    expect(harness.bus.subscriberCount("news")).toBe(0);
    expect(harness.clock.pending).toBe(0);
    await expect(harness.tick()).rejects.toMatchObject({ code: "SHUT_DOWN", message: expect.stringMatching(/abandoned when its start\(\) hung/) as unknown });
    await harness.stop(); // nothing left to stop
  });

  test("a start() waiting on the agent's own timers finishes: the harness moves its own clock to them", async () => {
    class Warmup extends Agent {
      warmedAt = 0;
      override async start(): Promise<void> {
        await sleep(this, 2_000);
        await sleep(this, 500);
        this.warmedAt = this.clock.now();
      }
    }
    const { agent, clock, crashes } = await testAgent(Warmup);
    expect(crashes).toEqual([]);
    expect(agent.warmedAt).toBe(Date.parse("2026-01-01T00:00:02.500Z"));
    expect(clock.now()).toBe(agent.warmedAt);
    expect(clock.pending).toBe(0);
  });

  test("with the test's own clock the harness never moves it: start() is hung once the test advances past startTimeout", async () => {
    const clock = new ManualClock(0);
    let settled = false;
    const started = testAgent(HungStart, { clock, startTimeout: "10s" }).finally(() => (settled = true));
    await clock.advance(9_999);
    expect(settled).toBe(false);
    expect(clock.now()).toBe(9_999);
    await clock.advance(1);
    const harness = await started;
    expect(harness.crashes).toMatchObject([{ code: "AGENT_HUNG", message: 'agent "hung": start() did not settle within 10s (testAgent startTimeout)' }]);
    expect(clock.now()).toBe(10_000);
  });

  test("a start() that settles before its deadline leaves no timer behind and moves no time", async () => {
    class Quick extends Agent {
      override async start(): Promise<void> {
        await Promise.resolve();
      }
    }
    const { clock, crashes } = await testAgent(Quick);
    expect(crashes).toEqual([]);
    expect(clock.now()).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(clock.pending).toBe(0);
  });

  test("a stop() that never returns is abandoned after stopTimeout with AGENT_STOP_TIMEOUT, subscriptions and timers removed", async () => {
    const harness = await testAgent(HungStop, { stopTimeout: "2s" });
    harness.agent.bus.subscribe("news", () => undefined);
    harness.agent.clock.setTimeout(() => undefined, 60_000);
    const t0 = harness.clock.now();
    await harness.stop();
    expect(harness.clock.now()).toBe(t0 + 2_000);
    expect(harness.crashes).toHaveLength(1);
    expect(harness.crashes[0]).toBeInstanceOf(AgentError);
    expect(harness.crashes[0]).toMatchObject({
      code: "AGENT_STOP_TIMEOUT",
      agent: "stuck",
      message: 'agent "stuck": stop() did not settle within 2s (testAgent stopTimeout); the agent is abandoned',
    });
    expect(harness.agent.signal.aborted).toBe(true);
    expect(harness.bus.subscriberCount("news")).toBe(0);
    expect(harness.clock.pending).toBe(0);
  });

  test("with the test's own clock, stop() is abandoned once the test advances past stopTimeout (default 5 s)", async () => {
    const clock = new ManualClock(0);
    const harness = await testAgent(HungStop, { clock });
    let settled = false;
    const stopping = harness.stop().finally(() => (settled = true));
    await clock.advance(4_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(harness.crashes).toMatchObject([{ code: "AGENT_STOP_TIMEOUT" }]);
    await harness.stop(); // idempotent
    expect(harness.crashes).toHaveLength(1);
  });

  test("an agent whose constructor does not pass the context on is refused with INVALID_OPTION", async () => {
    class Forgetful extends Agent {
      constructor(_context: ConstructorParameters<typeof Agent>[0]) {
        super(undefined as unknown as ConstructorParameters<typeof Agent>[0]);
      }
    }
    await expect(testAgent(Forgetful)).rejects.toThrow(
      new ConfigError(
        "Agent: expected `context` to be the context object the orchestrator passes to the constructor (pass it on with `super(context)`), got undefined",
        { code: "INVALID_OPTION", path: "context", value: undefined },
      ),
    );
  });

  test("startTimeout and stopTimeout are refused unless durations of at least 1 ms, naming the option", async () => {
    for (const [option, value, shown] of [
      ["startTimeout", 0, "0"],
      ["startTimeout", "soon", '"soon"'],
      ["stopTimeout", -5, "-5"],
      ["stopTimeout", Number.NaN, "NaN"],
    ] as const) {
      let constructed = false;
      class Counted extends Agent {
        constructor(context: ConstructorParameters<typeof Agent>[0]) {
          super(context);
          constructed = true;
        }
      }
      await expect(testAgent(Counted, { [option]: value })).rejects.toThrow(
        new ConfigError(`testAgent: expected \`${option}\` to be a duration of at least 1 ms ("500ms", "30s" or a number of ms), got ${shown}`, { code: "INVALID_OPTION", path: option, value }),
      );
      expect(constructed).toBe(false);
    }
  });
});
