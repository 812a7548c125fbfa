// When a slot waits for its start to be durable before it runs (docs/downtime.md, "The exact guarantees").
import { describe, expect, test } from "vitest";
import type { ResolvedTrigger } from "../../src/schedule/ScheduleSpec.js";
import { TriggerLedger } from "../../src/state/TriggerLedger.js";

const base: ResolvedTrigger = { kind: "every", every: 1_000, name: "s", overlap: "skip", misfire: "skip", misfireGrace: 1_000 };

describe("TriggerLedger.startsDurably", () => {
  test.each([
    [undefined, undefined, false, "the default (at-most-once, no window): a start lost in a crash shows as missed, and a missed slot is not run"],
    [0, "at-most-once", false, "window 0, at-most-once: the same"],
    [60_000, "at-most-once", true, "a window, at-most-once: a lost start would be caught up, a second run"],
    [0, "at-least-once", true, "at-least-once without a window: a lost start would be neither rerun nor caught up"],
    [60_000, "at-least-once", false, "at-least-once with a window: catch-up runs a slot whose start was lost"],
  ] as const)("window %s, delivery %s: starts durably: %s (%s)", (window, delivery, expected, _why) => {
    const trigger: ResolvedTrigger = {
      ...base,
      ...(window === undefined ? {} : { catchup: { window, runs: "latest" as const } }),
      ...(delivery === undefined ? {} : { delivery }),
    };
    expect(TriggerLedger.startsDurably(trigger)).toBe(expected);
  });
});
