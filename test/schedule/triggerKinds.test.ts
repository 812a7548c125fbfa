import { describe, expect, expectTypeOf, it } from "vitest";
import { resolveSchedule, resolveTrigger } from "../../src/config/resolveTrigger.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { checkTrigger } from "../../src/schedule/checkTrigger.js";
import {
  MISFIRE_POLICIES,
  OVERLAP_POLICIES,
  type MisfirePolicy,
  type OverlapPolicy,
  type ResolvedTrigger,
  type TriggerSpec,
} from "../../src/schedule/ScheduleSpec.js";
import type { KindTrigger, SpecOf } from "../../src/schedule/TriggerKind.js";
import { timeKindOf, triggerKind, triggerKinds, TRIGGER_KIND_NAMES, type TriggerKindName, type TriggerKinds } from "../../src/schedule/triggerKinds.js";
import { harness } from "../helpers/schedule/harness.js";

describe("triggerKinds: the registry", () => {
  it("registers cron, at, delay and every, each under its own name, in the order messages list them", () => {
    expect(TRIGGER_KIND_NAMES).toEqual(["cron", "at", "delay", "every"]);
    for (const [name, kind] of Object.entries(triggerKinds)) expect(kind.kind).toBe(name);
  });

  it.each(TRIGGER_KIND_NAMES)("%s is served by exactly one of the scheduler (timing) or a source of its own", (name) => {
    const kind = triggerKinds[name];
    expect([kind.timing !== undefined, "source" in kind && kind.source !== undefined].filter(Boolean)).toHaveLength(1);
  });

  it("looks a kind up by name, and answers undefined for what is not a registered kind", () => {
    expect(triggerKind("every")).toBe(triggerKinds.every);
    expect(triggerKind("toString")).toBeUndefined();
    expect(triggerKind("__proto__")).toBeUndefined();
    expect(triggerKind(42)).toBeUndefined();
    expect(triggerKind("webhook", { webhook: triggerKinds.every })).toBe(triggerKinds.every);
  });

  it("lets at most one kind read a bare string (cron)", () => {
    expect(Object.values(triggerKinds).filter((kind) => "readString" in kind).map((kind) => kind.kind)).toEqual(["cron"]);
  });
});

describe("triggerKinds: every kind's example goes from spec to ticks", () => {
  it.each(TRIGGER_KIND_NAMES)("%s: its example resolves, passes the scheduler's check and is armed", (name) => {
    const trigger = resolveTrigger(triggerKinds[name].example, { agent: "probe" });
    expect(trigger.kind).toBe(name);
    expect(() => checkTrigger("probe", trigger)).not.toThrow();
    expect(timeKindOf(trigger)).toBe(triggerKinds[name].timing);
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("probe", trigger);
    h.scheduler.start();
    expect(h.scheduler.nextFireAt("probe")).toBeGreaterThan(h.clock.now());
    expect(h.scheduler.triggerNames("probe")).toEqual([trigger.name]);
  });

  it.each(TRIGGER_KIND_NAMES)("%s: a hand-built trigger missing its own field is refused, naming the field", (name) => {
    const trigger = resolveTrigger(triggerKinds[name].example, { agent: "probe" });
    const broken = { ...trigger, [name]: undefined };
    expect(() => checkTrigger("probe", broken)).toThrow(ConfigError);
    expect(() => checkTrigger("probe", broken)).toThrow(`schedule.probe[${trigger.name}].${name}: expected \`${name}\``);
  });
});

describe("triggerKinds: a key of one kind on a trigger of another", () => {
  it.each(TRIGGER_KIND_NAMES.filter((name) => name !== "cron"))("refuses timezone on a %s trigger, naming the key", (name) => {
    const spec = { ...(triggerKinds[name].example as object), timezone: "UTC" };
    expect(() => resolveSchedule("probe", spec)).toThrow(`schedule.probe.timezone: "timezone" applies to cron triggers only, not to "${name}" triggers`);
  });
});

describe("triggerKinds: the public trigger types are the table's", () => {
  it("ResolvedTrigger, TriggerSpec and the policy lists name exactly what is registered", () => {
    expectTypeOf<KindTrigger<TriggerKinds[TriggerKindName]>>().toEqualTypeOf<ResolvedTrigger>();
    expectTypeOf<string | SpecOf<TriggerKinds[TriggerKindName]>>().toEqualTypeOf<TriggerSpec>();
    expectTypeOf<(typeof OVERLAP_POLICIES)[number]>().toEqualTypeOf<OverlapPolicy>();
    expectTypeOf<(typeof MISFIRE_POLICIES)[number]>().toEqualTypeOf<MisfirePolicy>();
    expect(OVERLAP_POLICIES).toEqual(["skip", "queue", "allow"]);
    expect(MISFIRE_POLICIES).toEqual(["skip", "once"]);
  });
});
