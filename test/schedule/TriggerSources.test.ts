import { describe, expect, it } from "vitest";
import { createTriggerSource } from "../../src/schedule/createTriggerSource.js";
import { Scheduler } from "../../src/schedule/Scheduler.js";
import type { ResolvedTrigger, TickMessage } from "../../src/schedule/ScheduleSpec.js";
import type { AnyTriggerKind } from "../../src/schedule/triggerKinds.js";
import { triggerKinds } from "../../src/schedule/triggerKinds.js";
import type { TriggerSourceOptions } from "../../src/schedule/TriggerKind.js";
import type { TriggerHandle, TriggerSource } from "../../src/schedule/TriggerSource.js";
import { TriggerSources } from "../../src/schedule/TriggerSources.js";
import { AgentCounters } from "../../src/stats/AgentCounters.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { every } from "../helpers/schedule/harness.js";

/** A source that is not time-based: it fires when told to, and records what it was asked. */
class ManualSource implements TriggerSource {
  readonly calls: string[] = [];
  readonly #triggers = new Map<string, ResolvedTrigger>();
  readonly #fire: (tick: TickMessage) => void;
  next: number | undefined = undefined;

  constructor(fire: (tick: TickMessage) => void = () => undefined) {
    this.#fire = fire;
  }

  add(agent: string, trigger: ResolvedTrigger): TriggerHandle {
    this.calls.push(`add ${agent} ${trigger.name}`);
    this.#triggers.set(`${agent}/${trigger.name}`, trigger);
    return { cancel: () => this.#triggers.delete(`${agent}/${trigger.name}`) };
  }
  start(): void {
    this.calls.push("start");
  }
  stop(): void {
    this.calls.push("stop");
  }
  nextFireAt(): number | undefined {
    return this.next;
  }
  triggerNames(agent: string): string[] {
    return [...this.#triggers.keys()].filter((key) => key.startsWith(`${agent}/`)).map((key) => key.slice(agent.length + 1));
  }
  trigger(agent: string, name: string): ResolvedTrigger | undefined {
    return this.#triggers.get(`${agent}/${name}`);
  }
  /** Fire the trigger now, as a webhook would. */
  fire(agent: string, name: string, now: number): void {
    this.#fire({ agent, trigger: name, scheduledAt: now, firedAt: now, key: `${agent}:${name}:${new Date(now).toISOString()}` });
  }
}

/** A trigger of a kind the scheduler does not serve. */
function webhook(name: string): ResolvedTrigger {
  return { kind: "webhook", name, overlap: "skip", misfire: "skip", misfireGrace: 1_000 } as unknown as ResolvedTrigger;
}

function options(fire: (tick: TickMessage) => void = () => undefined): TriggerSourceOptions {
  return { clock: new ManualClock(Date.parse("2026-01-01T00:00:00Z")), counters: () => new AgentCounters(), fire, timezone: "UTC" };
}

describe("TriggerSources", () => {
  const setUp = () => {
    const scheduler = new Scheduler(options());
    const webhooks = new ManualSource();
    const sources = new TriggerSources([
      { kinds: ["cron", "at", "delay", "every"], source: scheduler },
      { kinds: ["webhook"], source: webhooks },
    ]);
    return { scheduler, webhooks, sources };
  };

  it("hands each trigger to the source of its kind, and answers for the agent over every source", () => {
    const { scheduler, webhooks, sources } = setUp();
    sources.add("a", every(60_000, { name: "minutely" }));
    sources.add("a", webhook("deploy"));
    expect(webhooks.calls).toEqual(["add a deploy"]);
    expect(scheduler.triggerNames("a")).toEqual(["minutely"]);
    expect(sources.triggerNames("a")).toEqual(["minutely", "deploy"]);
    expect(sources.trigger("a", "deploy")?.kind).toBe("webhook");
    expect(sources.trigger("a", "minutely")?.kind).toBe("every");
    expect(sources.trigger("a", "nothing")).toBeUndefined();
  });

  it("gives the earliest next fire time of any source", () => {
    const { webhooks, sources } = setUp();
    sources.add("a", every(60_000, { name: "minutely" }));
    sources.start();
    const minute = Date.parse("2026-01-01T00:01:00Z");
    expect(sources.nextFireAt("a")).toBe(minute);
    webhooks.next = minute - 1;
    expect(sources.nextFireAt("a")).toBe(minute - 1);
    webhooks.next = minute + 1;
    expect(sources.nextFireAt("a")).toBe(minute);
    expect(sources.nextFireAt("b")).toBe(webhooks.next);
  });

  it("starts and stops every source", () => {
    const { scheduler, webhooks, sources } = setUp();
    sources.start();
    expect(scheduler.running).toBe(true);
    sources.stop();
    expect(scheduler.running).toBe(false);
    expect(webhooks.calls).toEqual(["start", "stop"]);
  });

  it("refuses a kind no source serves, naming the key path", () => {
    const { sources } = setUp();
    const trigger = { ...webhook("x"), kind: "mqtt" } as unknown as ResolvedTrigger;
    expect(() => sources.add("a", trigger)).toThrow(
      expect.objectContaining({ name: "ConfigError", code: "CONFIG_INVALID", message: 'schedule.a[x].kind: expected `kind` to be one of cron, at, delay, every, webhook, got "mqtt"' }),
    );
  });

  it("keeps trigger names unique per agent across the sources", () => {
    const { sources } = setUp();
    sources.add("a", webhook("daily"));
    expect(() => sources.add("a", every(60_000, { name: "daily" }))).toThrow(/already has a trigger named "daily"/);
    sources.add("b", every(60_000, { name: "daily" }));
  });

  it("refuses two sources for one kind", () => {
    const scheduler = new Scheduler(options());
    expect(
      () =>
        new TriggerSources([
          { kinds: ["every"], source: scheduler },
          { kinds: ["every"], source: new ManualSource() },
        ]),
    ).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }));
  });
});

describe("createTriggerSource", () => {
  it("is the scheduler itself while every registered kind is time-based", () => {
    expect(createTriggerSource(options())).toBeInstanceOf(Scheduler);
  });

  it("puts a kind's own source beside the scheduler, built with the same options and sink", () => {
    const ticks: TickMessage[] = [];
    let built: ManualSource | undefined;
    const { timing: _served, ...shape } = triggerKinds.every as AnyTriggerKind;
    const webhookKind: AnyTriggerKind = { ...shape, kind: "webhook", source: (given) => (built = new ManualSource(given.fire)) };
    const source = createTriggerSource(
      options((tick) => ticks.push(tick)),
      { ...triggerKinds, webhook: webhookKind },
    );
    expect(source).toBeInstanceOf(TriggerSources);
    source.add("a", webhook("deploy"));
    source.add("a", every(60_000, { name: "minutely" }));
    expect(built?.calls).toEqual(["add a deploy"]);
    built?.fire("a", "deploy", 5);
    expect(ticks.map((tick) => `${tick.agent} ${tick.trigger}`)).toEqual(["a deploy"]);
  });

  it("refuses bad options as the scheduler does", () => {
    expect(() => createTriggerSource({ ...options(), maxWait: -1 })).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }));
  });
});
