import { CronExpressionParser } from "cron-parser";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveSchedule, resolveTrigger } from "../../../src/config/resolveTrigger.js";
import { harness } from "../../helpers/schedule/harness.js";

describe("the cron kind: one parse from the config to the series", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("a trigger validated in the config is not parsed again when the scheduler adds it", () => {
    const parse = vi.spyOn(CronExpressionParser, "parse");
    const [trigger] = resolveSchedule("report", { cron: "7 17 * * 1-5", timezone: "UTC" });
    const parsedByConfig = parse.mock.calls.length;
    expect(parsedByConfig).toBeGreaterThan(0);
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("report", trigger!);
    expect(parse.mock.calls.length).toBe(parsedByConfig);
  });

  it("a trigger with H is not parsed again either: the config seeds H with the same agent and name", () => {
    const parse = vi.spyOn(CronExpressionParser, "parse");
    const [trigger] = resolveSchedule("report", { cron: "H 17 * * *", timezone: "UTC" });
    const parsedByConfig = parse.mock.calls.length;
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("report", trigger!);
    expect(parse.mock.calls.length).toBe(parsedByConfig);
  });

  it("is parsed again when the scheduler reads it in another zone than the config did (its default zone differs)", () => {
    const trigger = resolveTrigger("0 9 * * *", { agent: "report" });
    const parse = vi.spyOn(CronExpressionParser, "parse");
    const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone === "Asia/Tokyo" ? "Europe/Paris" : "Asia/Tokyo";
    const h = harness("2026-01-01T00:00:00Z", { timezone: zone });
    h.scheduler.add("report", trigger);
    expect(parse).toHaveBeenCalled();
    h.scheduler.start();
    const next = h.scheduler.nextFireAt("report");
    expect(new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(next)).toBe("09:00");
  });

  it("a hand-built trigger is parsed once per scheduler for any number of triggers sharing its expression and zone", () => {
    const h = harness("2026-01-01T00:00:00Z");
    const parse = vi.spyOn(CronExpressionParser, "parse");
    for (let i = 0; i < 50; i++) {
      h.scheduler.add(`agent${i}`, { kind: "cron", cron: "*/5 * * * *", name: "t", overlap: "skip", misfire: "skip", misfireGrace: 1_000 });
    }
    const parsedOnAdd = parse.mock.calls.length;
    expect(parsedOnAdd).toBeGreaterThan(0);
    expect(parsedOnAdd).toBeLessThanOrEqual(3);
  });
});
