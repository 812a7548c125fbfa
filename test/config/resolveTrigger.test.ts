import { describe, expect, it } from "vitest";
import { resolveSchedule, resolveTrigger } from "../../src/config/resolveTrigger.js";
import type { ConfigError } from "../../src/errors/ConfigError.js";
import { configError } from "../helpers/resolveConfig.js";


const triggerError = (spec: unknown): ConfigError => configError(() => resolveTrigger(spec, { agent: "report" }));

describe("resolveTrigger: cron", () => {
  it("reads a string as a cron expression and fills the defaults", () => {
    expect(resolveTrigger("0 17 * * 1-5", { agent: "report" })).toEqual({
      kind: "cron",
      cron: "0 17 * * 1-5",
      name: "cron:0 17 * * 1-5",
      overlap: "skip",
      misfire: "skip",
      misfireGrace: 1_000,
    });
  });

  it("accepts 6 fields with seconds first and normalises whitespace", () => {
    expect(resolveTrigger("  */10   * * * * * ", { agent: "report" })).toMatchObject({ cron: "*/10 * * * * *", name: "cron:*/10 * * * * *" });
  });

  it("accepts the parser's predefined expressions", () => {
    expect(resolveTrigger("@daily", { agent: "report" })).toMatchObject({ kind: "cron", cron: "@daily" });
  });

  it("appends the time zone to the default name and keeps every option", () => {
    const trigger = resolveTrigger(
      { cron: "0 17 * * 1-5", timezone: "America/New_York", overlap: "queue", misfire: "once", misfireGrace: "5s", timeout: "10m" },
      { agent: "report" },
    );
    expect(trigger).toEqual({
      kind: "cron",
      cron: "0 17 * * 1-5",
      timezone: "America/New_York",
      name: "cron:0 17 * * 1-5@America/New_York",
      overlap: "queue",
      misfire: "once",
      misfireGrace: 5_000,
      timeout: 600_000,
    });
  });

  it("refuses expressions with fewer than 5 or more than 6 fields", () => {
    const short = triggerError("* * * *");
    expect(short.path).toBe("schedule.report");
    expect(short.value).toBe("* * * *");
    expect(short.message).toBe(
      'schedule.report: invalid cron expression "* * * *": it has 4 fields; expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first',
    );
    expect(triggerError("0 0 0 1 1 * 2030").message).toContain("it has 7 fields");
    expect(triggerError("").message).toContain("expected a cron expression");
  });

  it("explains an invalid expression in its own words: the field, the value and the allowed range", () => {
    const error = triggerError({ cron: "61 * * * *" });
    expect(error.path).toBe("schedule.report.cron");
    expect(error.value).toBe("61 * * * *");
    expect(error.message).toBe('schedule.report.cron: invalid cron expression "61 * * * *": the minute field "61": 61 is out of range; minutes are 0-59');
    expect(triggerError("0 0 * * 8").message).toContain(
      'the day of week field "8": 8 is out of range; days of the week are 0-7 or SUN-SAT (0 and 7 are Sunday)',
    );
    expect(triggerError("0 0 31 2,4 *").message).toBe(
      'schedule.report: invalid cron expression "0 0 31 2,4 *": the day of month field "31": day 31 never comes in February or April (30 days at most), ' +
        "so the expression would never fire",
    );
    // the hint about 5 or 6 fields is for a wrong number of fields only
    for (const cron of ["61 * * * *", "0 0 * * 8", "0 0 31 2,4 *", "*/0 * * * *"]) expect(triggerError(cron).message).not.toContain("5 fields");
  });

  it("accepts an expression whose only slot in the year falls in a spring-forward gap: it fires at the end of the gap", () => {
    // Lord Howe skips 02:00-02:29 on the first Sunday of October; Chatham 02:45-03:44 on the last Sunday of September
    expect(resolveTrigger({ cron: "15 2 * 10 0#1", timezone: "Australia/Lord_Howe" }, { agent: "report" })).toMatchObject({ kind: "cron" });
    expect(resolveTrigger({ cron: "0 2 * 10 0#1", timezone: "Australia/Lord_Howe" }, { agent: "report" })).toMatchObject({ kind: "cron" });
    expect(resolveTrigger({ cron: "45 2 * 9 0L", timezone: "Pacific/Chatham" }, { agent: "report" })).toMatchObject({ kind: "cron" });
  });

  it("refuses an unknown time zone", () => {
    const error = triggerError({ cron: "0 17 * * *", timezone: "Mars/Olympus" });
    expect(error.path).toBe("schedule.report.timezone");
    expect(error.value).toBe("Mars/Olympus");
    expect(error.message).toBe(
      'schedule.report.timezone: unknown time zone "Mars/Olympus": expected an IANA time zone name such as "America/New_York" or "UTC"',
    );
  });

  it("refuses a time zone on a trigger that is not cron", () => {
    const error = triggerError({ every: "1m", timezone: "UTC" });
    expect(error.path).toBe("schedule.report.timezone");
    expect(error.message).toContain('"timezone" applies to cron triggers only, not to "every" triggers');
  });
});

describe("resolveTrigger: at", () => {
  it("reads an ISO 8601 instant in UTC or with an offset", () => {
    expect(resolveTrigger({ at: "2026-12-01T14:30:00Z" }, { agent: "rebalance" })).toEqual({
      kind: "at",
      at: Date.UTC(2026, 11, 1, 14, 30),
      name: "at:2026-12-01T14:30:00.000Z",
      overlap: "skip",
      misfire: "skip",
      misfireGrace: 1_000,
    });
    expect(resolveTrigger({ at: "2026-12-01T09:30:00.250-05:00" }, { agent: "rebalance" })).toMatchObject({ at: Date.UTC(2026, 11, 1, 14, 30, 0, 250) });
    expect(resolveTrigger({ at: "2026-12-01T16:30+0200" }, { agent: "rebalance" })).toMatchObject({ at: Date.UTC(2026, 11, 1, 14, 30) });
  });

  it("accepts a Date and an instant in the past", () => {
    const past = new Date("2001-01-01T00:00:00Z");
    expect(resolveTrigger({ at: past }, { agent: "rebalance" })).toMatchObject({ kind: "at", at: past.getTime(), name: "at:2001-01-01T00:00:00.000Z" });
    expect(resolveTrigger({ at: "1999-12-31T23:59:59Z" }, { agent: "rebalance" })).toMatchObject({ at: Date.UTC(1999, 11, 31, 23, 59, 59) });
  });

  it("refuses an instant without a time zone designator", () => {
    const error = triggerError({ at: "2026-12-01T14:30:00" });
    expect(error.path).toBe("schedule.report.at");
    expect(error.value).toBe("2026-12-01T14:30:00");
    expect(error.message).toBe(
      'schedule.report.at: expected an ISO 8601 instant with a time zone designator, such as "2026-12-01T14:30:00Z" or "2026-12-01T09:30:00-05:00", or a Date, got "2026-12-01T14:30:00"',
    );
  });

  it("refuses dates that do not exist and values that are not instants", () => {
    expect(triggerError({ at: "2026-02-30T00:00:00Z" }).path).toBe("schedule.report.at");
    expect(triggerError({ at: "2026-13-01T00:00:00Z" }).value).toBe("2026-13-01T00:00:00Z");
    expect(triggerError({ at: "2026-12-01T24:00:00Z" }).message).toContain("expected an ISO 8601 instant");
    expect(triggerError({ at: "tomorrow" }).message).toContain('got "tomorrow"');
    expect(triggerError({ at: "2026-12-01" }).message).toContain('got "2026-12-01"');
    expect(triggerError({ at: 1_796_135_400_000 }).message).toContain("got 1796135400000");
    expect(triggerError({ at: new Date(Number.NaN) }).message).toContain("got an invalid Date");
  });

  it("accepts 29 February in a leap year only", () => {
    expect(resolveTrigger({ at: "2028-02-29T00:00:00Z" }, { agent: "a" })).toMatchObject({ at: Date.UTC(2028, 1, 29) });
    expect(triggerError({ at: "2027-02-29T00:00:00Z" }).path).toBe("schedule.report.at");
  });
});

describe("resolveTrigger: delay and every", () => {
  it("reads delay and every as durations and names them after their length", () => {
    expect(resolveTrigger({ delay: "30s" }, { agent: "warmup" })).toEqual({
      kind: "delay",
      delay: 30_000,
      name: "delay:30s",
      overlap: "skip",
      misfire: "skip",
      misfireGrace: 1_000,
    });
    expect(resolveTrigger({ every: 15_000 }, { agent: "pnl" })).toMatchObject({ kind: "every", every: 15_000, name: "every:15s" });
    expect(resolveTrigger({ every: "90s" }, { agent: "pnl" })).toMatchObject({ name: "every:1m30s" });
  });

  it("refuses zero and negative delays and periods", () => {
    const zero = triggerError({ delay: 0 });
    expect(zero.path).toBe("schedule.report.delay");
    expect(zero.value).toBe(0);
    expect(zero.message).toContain('expected a positive duration such as "500ms", "30s", "5m", "1h" or a number of milliseconds, got 0');
    expect(triggerError({ every: "0s" }).path).toBe("schedule.report.every");
    expect(triggerError({ every: -1_000 }).message).toContain("got -1000");
    expect(triggerError({ every: "-5s" }).message).toContain('got "-5s"');
    expect(triggerError({ every: "fortnightly" }).message).toContain('got "fortnightly"');
  });
});

describe("resolveTrigger: shape and common options", () => {
  it("refuses a trigger with two kinds", () => {
    const error = triggerError({ cron: "* * * * *", every: "1m" });
    expect(error.path).toBe("schedule.report");
    expect(error.message).toContain('a trigger has exactly one of "cron", "at", "delay", "every", got "cron" and "every"');
  });

  it("refuses a trigger with no kind", () => {
    const error = triggerError({ name: "nightly" });
    expect(error.message).toBe('schedule.report: expected a trigger mapping with one of "cron", "at", "delay", "every", got {"name":"nightly"}');
  });

  it("refuses an unknown key with a suggestion", () => {
    const error = triggerError({ evry: "1m" });
    expect(error.path).toBe("schedule.report.evry");
    expect(error.message).toContain('unknown key "evry" (did you mean "every"?)');
    expect(triggerError({ cron: "* * * * *", timeZone: "UTC" }).message).toContain('(did you mean "timezone"?)');
  });

  it("refuses values that are not triggers", () => {
    expect(triggerError(42).message).toBe("schedule.report: expected a mapping (key: value pairs), got 42");
    expect(triggerError(null).message).toContain("got null");
    expect(triggerError(new Date(0)).message).toContain("expected a mapping");
  });

  it("refuses unknown overlap and misfire policies with a suggestion", () => {
    const overlap = triggerError({ every: "1m", overlap: "skp" });
    expect(overlap.path).toBe("schedule.report.overlap");
    expect(overlap.message).toBe('schedule.report.overlap: expected one of "skip", "queue", "allow", got "skp" (did you mean "skip"?)');
    const misfire = triggerError({ every: "1m", misfire: "all" });
    expect(misfire.path).toBe("schedule.report.misfire");
    expect(misfire.message).toContain('expected one of "skip", "once", got "all"');
  });

  it("refuses a zero misfireGrace or timeout and an empty name", () => {
    expect(triggerError({ every: "1m", misfireGrace: 0 }).path).toBe("schedule.report.misfireGrace");
    expect(triggerError({ every: "1m", timeout: "0ms" }).path).toBe("schedule.report.timeout");
    expect(triggerError({ every: "1m", name: "" }).message).toBe('schedule.report.name: expected a non-empty string, got ""');
  });

  it("uses the given path and index in messages", () => {
    const error = configError(() => resolveTrigger({ delay: "soon" }, { agent: "warmup", path: "orch.schedule(warmup)", index: 2 }));
    expect(error.path).toBe("orch.schedule(warmup)[2].delay");
  });
});

describe("resolveSchedule", () => {
  it("returns one trigger for a single spec and a list for a list", () => {
    expect(resolveSchedule("report", "0 * * * *")).toHaveLength(1);
    expect(resolveSchedule("report", ["0 * * * *", { every: "1m" }, { delay: "5s" }]).map((t) => t.name)).toEqual([
      "cron:0 * * * *",
      "every:1m",
      "delay:5s",
    ]);
    expect(resolveSchedule("report", [])).toEqual([]);
  });

  it("makes derived names unique with #2, #3", () => {
    const names = resolveSchedule("pnl", [{ every: "15s" }, { every: "15s", overlap: "queue" }, { every: 15_000 }]).map((t) => t.name);
    expect(names).toEqual(["every:15s", "every:15s#2", "every:15s#3"]);
  });

  it("keeps explicit names and derives around them", () => {
    const names = resolveSchedule("pnl", [{ every: "15s" }, { every: "1m", name: "every:15s" }]).map((t) => t.name);
    expect(names).toEqual(["every:15s#2", "every:15s"]);
  });

  it("refuses a duplicate explicit name", () => {
    const error = configError(() => resolveSchedule("pnl", [{ every: "15s", name: "tick" }, { delay: "1s", name: "tick" }]));
    expect(error.path).toBe("schedule.pnl[1].name");
    expect(error.value).toBe("tick");
    expect(error.message).toContain('duplicate trigger name "tick"');
  });

  it("avoids the names an agent already uses", () => {
    expect(resolveSchedule("pnl", { every: "15s" }, { taken: ["every:15s"] })[0]?.name).toBe("every:15s#2");
    const error = configError(() => resolveSchedule("pnl", { every: "15s", name: "tick" }, { taken: new Set(["tick"]), path: "orch.schedule(pnl)" }));
    expect(error.path).toBe("orch.schedule(pnl).name");
  });

  it("names the item of a list in errors", () => {
    const error = configError(() => resolveSchedule("report", ["0 17 * * 1-5", { cron: "0 25 * * *" }]));
    expect(error.path).toBe("schedule.report[1].cron");
    expect(error.message).toContain('the hour field "25": 25 is out of range; hours are 0-23');
  });

  it("refuses an invalid agent name and a missing spec", () => {
    expect(configError(() => resolveSchedule("__proto__", "* * * * *")).message).toContain('invalid agent name "__proto__"');
    expect(configError(() => resolveSchedule("report", undefined)).message).toBe(
      "schedule.report: expected a trigger (a cron string or a mapping) or a list of triggers, got undefined",
    );
  });

  it("returns frozen triggers", () => {
    const [trigger] = resolveSchedule("report", [{ every: "1s" }, { every: "1s" }]).slice(1);
    expect(Object.isFrozen(trigger)).toBe(true);
  });
});
