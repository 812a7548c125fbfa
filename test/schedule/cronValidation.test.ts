// Cron validation: every refusal in the library's words (field, value, allowed
// range), and validation on the same floating-time path as firing, so an
// expression is refused only when it really has no slot (decision 32).
import { describe, expect, it } from "vitest";
import { resolveSchedule, resolveTrigger } from "../../src/config/resolveTrigger.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { TimeZone } from "../../src/schedule/TimeZone.js";
import { PARSER_PHRASES } from "../helpers/schedule/cronPhrases.js";
import { cron, harness, type Harness } from "../helpers/schedule/harness.js";

/** What each field allows, as the messages say it. */
const ALLOWED = {
  second: "seconds are 0-59",
  minute: "minutes are 0-59",
  hour: "hours are 0-23",
  "day of month": "days of the month are 1-31",
  month: "months are 1-12 or JAN-DEC",
  "day of week": "days of the week are 0-7 or SUN-SAT",
} as const;
type Field = keyof typeof ALLOWED;

function refusedByConfig(expression: string, timezone?: string): ConfigError {
  try {
    resolveTrigger(timezone === undefined ? { cron: expression } : { cron: expression, timezone }, { agent: "report" });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected resolveTrigger to refuse ${JSON.stringify(expression)}`);
}

function refusedByScheduler(expression: string): ConfigError {
  const h = harness("2026-01-01T00:00:00Z");
  try {
    h.scheduler.add("a", cron(expression, { name: "t" }));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected Scheduler.add to refuse ${JSON.stringify(expression)}`);
}

function expectOwnWords(message: string): void {
  for (const phrase of PARSER_PHRASES) expect(message, `"${phrase}" in: ${message}`).not.toContain(phrase);
}

/** [expression, the field at fault, a phrase of the reason]: one line per error path of cron-parser, and ours. */
const BAD: ReadonlyArray<readonly [string, Field, string]> = [
  // steps larger than the field's range, zero and missing steps
  ["*/61 * * * *", "minute", "a step of 61 is larger than the field's whole range"],
  ["1/90 * * * * *", "second", "a step of 90 is larger than the field's whole range"],
  ["0 */25 * * *", "hour", "a step of 25"],
  ["0 0 */32 * *", "day of month", "a step of 32"],
  ["0 0 * */13 *", "month", "a step of 13"],
  ["0 0 * * */8", "day of week", "a step of 8"],
  ["10-20/61 * * * *", "minute", "a step of 61"],
  ["H/61 * * * *", "minute", "a step of 61"],
  ["*/0 * * * *", "minute", "a step of 0"],
  ["5/0 * * * *", "minute", "a step of 0"],
  ["H/0 * * * *", "minute", "a step of 0"],
  ["*/ * * * *", "minute", 'no step after "/"'],
  ["*/x * * * *", "minute", "is not a whole number"],
  ["*/H * * * *", "minute", "is not a whole number"],
  ["0 0 */L * *", "day of month", '"L" (the last day of the month) stands alone'],
  ["1/2/3 * * * *", "minute", 'more than one "/"'],
  ["/5 * * * *", "minute", 'nothing before "/"'],
  // values and ranges out of range, backwards ranges, bad ranges
  ["60 * * * *", "minute", "60 is out of range"],
  ["61 * * * *", "minute", "61 is out of range"],
  ["0 24 * * *", "hour", "24 is out of range"],
  ["0 0 0 * *", "day of month", "0 is out of range"],
  ["0 0 32 * *", "day of month", "32 is out of range"],
  ["0 0 * 0 *", "month", "0 is out of range"],
  ["0 0 * 13 *", "month", "13 is out of range"],
  ["0 0 * * 8", "day of week", "8 is out of range"],
  ["60 * * * * *", "second", "60 is out of range"],
  ["50-70 * * * *", "minute", "70 is out of range"],
  ["99999999999999999999 * * * *", "minute", "is out of range"],
  ["5-2 * * * *", "minute", "the range 5-2 runs backwards"],
  ["0 0 * * FRI-MON", "day of week", "runs backwards"],
  ["0 0 * DEC-JAN *", "month", "runs backwards"],
  ["1-2-3 * * * *", "minute", 'more than one "-"'],
  ["-5 * * * *", "minute", "never negative"],
  ["5- * * * *", "minute", 'no end after "-"'],
  ["1.5 * * * *", "minute", "is not a whole number"],
  // characters, wildcards, empty list items
  ["x * * * *", "minute", '"x" is not a value'],
  ["abc * * * *", "minute", "only months (JAN-DEC) and days of the week (SUN-SAT) have names"],
  ["0 MON * * *", "hour", "have names"],
  ["*5 * * * *", "minute", 'mixes "*" or "?" with values'],
  ["1-* * * * *", "minute", 'mixes "*"'],
  ["0 0 1-? * *", "day of month", 'mixes "*" or "?"'],
  ["1,,2 * * * *", "minute", "empty item"],
  ["1, * * * *", "minute", "empty item"],
  ["0 0 * * 1+2", "day of week", "is not a value"],
  // names
  ["0 0 * * MONDAY", "day of week", '"MONDAY" is not a day name (names are three letters: "MON")'],
  ["0 0 * JANUARY *", "month", '"JANUARY" is not a month name'],
  ["0 0 * JNA *", "month", '"JNA" is not a month name'],
  ["0 0 * 1JAN *", "month", '"1JAN" is not a value'],
  ["0 0 * * FUN", "day of week", "is not a day name"],
  // L, W and #
  ["0 0 * * L", "day of week", '"L" needs a day before it'],
  ["0 0 L-2 * *", "day of month", '"L" (the last day of the month) stands alone'],
  ["0 0 3L * *", "day of month", "stands alone"],
  ["0 0 L/2 * *", "day of month", "stands alone"],
  ["0 0 LW * *", "day of month", '"LW" (the last weekday of the month) is not supported'],
  ["0 0 15W * *", "day of month", '"W" (the weekday nearest a day) is not supported'],
  ["L * * * *", "minute", '"L" (last) belongs to the day of month and day of week fields only'],
  ["0 0 * L *", "month", "belongs to the day of month and day of week fields only"],
  ["0 0 * * 1-5L", "day of week", '"L" follows a single day'],
  ["0 0 * * 8L", "day of week", "8 is out of range"],
  ["0 0 * * 1#6", "day of week", 'the occurrence after "#" is 1 to 5'],
  ["0 0 * * 1#0", "day of week", "1 to 5"],
  ["0 0 * * 1#", "day of week", "1 to 5"],
  ["0 0 * * 1##2", "day of week", 'more than one "#"'],
  ["0 0 * * #2", "day of week", 'no day before "#"'],
  ["0 0 * * 1#2,3", "day of week", "cannot be part of a list"],
  ["0 0 * * 1-3#2", "day of week", '"#" takes a single day'],
  ["0 0 * * L#2", "day of week", '"#" takes a single day'],
  ["0 0 * * *#2", "day of week", '"#" takes a single day'],
  ["0 0 1#2 * *", "day of month", '"#" (the n-th weekday of the month, as in "1#2") belongs to the day of week field only'],
  // H in the wrong place
  ["H-5 * * * *", "minute", '"H" (a value picked from the trigger\'s name) is written H'],
  ["1-H * * * *", "minute", "not inside a range or a step"],
  ["H(5-2) * * * *", "minute", "the range 5-2 runs backwards"],
  ["H(70-80) * * * *", "minute", "70 is out of range"],
  ["H(0-99) * * * *", "minute", "99 is out of range"],
  ["H(1-5 * * * *", "minute", '"H" (a value picked from the trigger\'s name) is written'],
  ["H(1) * * * *", "minute", "takes a range of two values"],
  // values listed twice
  ["1,1 * * * *", "minute", "1 is listed twice"],
  ["0-10,5 * * * *", "minute", "5 is listed twice"],
  ["0 0 * * 0,7", "day of week", "Sunday is listed twice (0 and 7 both mean Sunday)"],
  ["0 0 * * 0-2,6-7", "day of week", "Sunday is listed twice"],
  ["0 0 * * ?,1", "day of week", "Monday is listed twice"],
  ["0 0 L,L * *", "day of month", "L is listed twice"],
  ["H,H * * * *", "minute", "is listed twice once H is resolved for this trigger"],
  // dates that never come
  ["0 0 30 2 *", "day of month", "day 30 never comes in February (29 days at most)"],
  ["0 0 31 4,6,9,11 *", "day of month", "day 31 never comes in April, June, September or November (30 days at most)"],
  ["0 0 30,31 2 ?", "day of month", "never comes in February"],
  // a sixth field that is a year
  ["0 0 1 1 * 2030", "day of week", "looks like a year, but cron has no year field"],
];

describe("cron validation: refusals in our own words", () => {
  it.each(BAD)("%j is refused naming the %s field and what it allows, with no parser wording", (expression, field, phrase) => {
    for (const error of [refusedByConfig(expression), refusedByScheduler(expression)]) {
      expect(error.message).toContain(`invalid cron expression ${JSON.stringify(expression)}: `);
      expect(error.message).toContain(`the ${field} field`);
      expect(error.message).toContain(phrase);
      expectOwnWords(error.message);
      // the hint about the number of fields is for a wrong number of fields only
      expect(error.message).not.toContain("5 fields");
      expect(error.cause).toBeUndefined();
    }
    const error = refusedByConfig(expression);
    expect(error.path).toBe("schedule.report.cron");
    expect(error.value).toBe(expression);
    // the value and the field's allowed values are named (the one exception says why no month has the day)
    if (!phrase.includes("never comes") && !phrase.includes("looks like a year")) expect(error.message).toContain(ALLOWED[field]);
    expect(refusedByScheduler(expression).path).toBe("schedule.a[t].cron");
  });

  it("refuses a step larger than the field's range, naming the field, its range and the steps it takes", () => {
    expect(refusedByConfig("*/61 * * * *").message).toBe(
      'schedule.report.cron: invalid cron expression "*/61 * * * *": the minute field "*/61": a step of 61 is larger than the ' +
        "field's whole range (minutes are 0-59: 60 values), so it could never repeat and would fire at 0 only; a step is a whole number from 1 to 60",
    );
    expect(refusedByConfig("1/90 * * * * *").message).toBe(
      'schedule.report.cron: invalid cron expression "1/90 * * * * *": the second field "1/90": a step of 90 is larger than the ' +
        "field's whole range (seconds are 0-59: 60 values), so it could never repeat and would fire at 1 only; a step is a whole number from 1 to 60",
    );
    expect(refusedByConfig("*/0 * * * *").message).toBe(
      'schedule.report.cron: invalid cron expression "*/0 * * * *": the minute field "*/0": a step of 0 never moves on; a step is a whole number from 1 to 60; minutes are 0-59',
    );
  });

  it("accepts a step as large as the field's range: it fires once per cycle of the field", async () => {
    for (const expression of ["*/60 * * * *", "0 */24 * * *", "0 0 */31 * *", "0 0 1 */12 *", "0 0 * * */7", "*/60 * * * * *"]) {
      expect(resolveTrigger(expression, { agent: "a" })).toMatchObject({ kind: "cron", cron: expression });
    }
    const h = harness("2026-01-01T00:10:00Z");
    h.scheduler.add("a", cron("*/60 * * * *"));
    h.scheduler.start();
    await h.clock.advance(3 * 3_600_000);
    expect(h.slots()).toEqual(["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z", "2026-01-01T03:00:00.000Z"]);
  });

  it("refuses an unknown macro, naming the macros there are", () => {
    const every = refusedByConfig("@every 5s");
    expect(every.message).toBe(
      'schedule.report.cron: invalid cron expression "@every 5s": "@every" is not a cron macro (for a fixed period, write a trigger such as ' +
        '{ every: "5s" } instead of a cron string); the macros are @yearly, @annually, @monthly, @weekly, @daily, @hourly, @minutely, @secondly, @weekdays, @weekends',
    );
    expect(refusedByConfig("@dayly").message).toContain('"@dayly" is not a cron macro (did you mean "@daily"?)');
    expect(refusedByConfig("@reboot").message).toContain("{ delay:");
    expect(refusedByConfig("@daily 5").message).toContain('a macro stands alone: "@daily" takes no fields after it');
    for (const expression of ["@every 5s", "@dayly", "@reboot", "@daily 5", "@"]) {
      for (const error of [refusedByConfig(expression), refusedByScheduler(expression)]) {
        expectOwnWords(error.message);
        expect(error.message).toContain("the macros are @yearly");
        expect(error.message).not.toContain("5 fields");
      }
    }
  });

  it("gives the field-count hint only when the number of fields is wrong", () => {
    for (const expression of ["* * * *", "0 0 0 1 1 * 2030", "*"]) {
      const error = refusedByConfig(expression);
      expect(error.message).toContain("expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first");
      expectOwnWords(error.message);
    }
  });

  it("refuses an expression too long to mean anything, in its own words", () => {
    const long = `${Array.from({ length: 400 }, (_, i) => i % 60).join(",")} * * * *`;
    for (const error of [refusedByConfig(long), refusedByScheduler(long)]) {
      expect(error.message).toContain("characters long; a cron expression has at most 1,024");
      expectOwnWords(error.message);
    }
  });

  it.each([
    "*/15 9-17 * * MON-FRI",
    "0 0 L * *",
    "0 0 1,L * *",
    "0 0 * * 5L",
    "0 0 * * MONL",
    "0 0 * * 7L",
    "0 12 * * MON#2",
    "0 12 * * sun#5",
    "0 0 * * 7",
    "0 0 * * 0-7",
    "0 0 * * 1-7/3",
    "0 0 * JUL-DEC/2 *",
    "0 0 * jan,Feb *",
    "0 0 ? * ?",
    "?/5 * * * *",
    "05 * * * *",
    "0 0 29 2 *",
    "0 0 * 2 1#5",
    "0 0 31 2 1",
    "0 0 31 2,3 *",
    "H H * * *",
    "H(0-29)/10 * * * *",
    "H(0-29),H(30-59) * * * *",
    "0 0 * * H#3",
    "0 0 * * H(MON-FRI)",
    "@daily",
    "@weekdays",
    "30 9 * * 1-5",
    "0 0 0 1 1 *",
  ])("accepts %j, in the config and in the scheduler", (expression) => {
    expect(resolveTrigger(expression, { agent: "a" })).toMatchObject({ kind: "cron", cron: expression });
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("a", cron(expression));
    h.scheduler.start();
    expect(h.scheduler.nextFireAt("a")).toBeGreaterThan(Date.parse("2026-01-01T00:00:00Z"));
  });
});

describe("cron validation: the same floating-time path as firing", () => {
  it("accepts a Lord Howe job whose only yearly slot falls in the 30-minute spring gap, and fires it at the end of the gap", async () => {
    // Lord Howe goes from +10:30 to +11 at 02:00 on the first Sunday of October: 02:00-02:29 does not exist.
    for (const expression of ["15 2 * 10 0#1", "0 2 * 10 0#1", "0 15 2 * 10 0#1"]) {
      expect(resolveTrigger({ cron: expression, timezone: "Australia/Lord_Howe" }, { agent: "a" })).toMatchObject({ cron: expression });
      const h = harness("2026-09-01T00:00:00Z");
      h.scheduler.add("a", cron(expression, { timezone: "Australia/Lord_Howe" }));
      h.scheduler.start();
      await fireNext(h, 2);
      // 2026-10-04 02:30 +11:00, the first instant after the gap; a year later, 2027-10-03
      expect(h.slots()).toEqual(["2026-10-03T15:30:00.000Z", "2027-10-02T15:30:00.000Z"]);
    }
  });

  it("accepts a Chatham job whose only yearly slot falls in the spring gap (02:45 → 03:45)", async () => {
    expect(resolveTrigger({ cron: "45 2 * 9 0L", timezone: "Pacific/Chatham" }, { agent: "a" })).toMatchObject({ cron: "45 2 * 9 0L" });
    const h = harness("2026-09-01T00:00:00Z");
    h.scheduler.add("a", cron("45 2 * 9 0L", { timezone: "Pacific/Chatham" }));
    h.scheduler.start();
    // the last Sunday of September 2026 is the 27th: 02:45 +12:45 is 2026-09-26T14:00Z, where 03:45 +13:45 begins
    expect(h.scheduler.nextFireAt("a")).toBe(Date.parse("2026-09-26T14:00:00Z"));
  });

  it("in every zone, a job set inside a spring gap on the change day's own rule is accepted and fires at the end of the gap", () => {
    const from = Date.UTC(2026, 0, 1);
    let checked = 0;
    for (const name of Intl.supportedValuesOf("timeZone")) {
      const zone = new TimeZone(name);
      if (zone.isUtc) continue;
      for (const change of springChanges(zone, from, Date.UTC(2027, 0, 1))) {
        for (const expression of change.expressions) {
          const spec = { cron: expression, timezone: name };
          expect(() => resolveTrigger(spec, { agent: "a" }), `${name} ${expression}`).not.toThrow();
          const h = harness(from);
          h.scheduler.add("a", cron(expression, { timezone: name }));
          h.scheduler.start();
          expect(h.scheduler.nextFireAt("a"), `${name} ${expression}`).toBe(change.at);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("resolves every form of H from the trigger's name, so two instances agree (HL included)", () => {
    for (const expression of ["0 0 * * HL", "0 0 * * H#2", "H H(0-5) * * *", "0 0 H(1-28) * *"]) {
      for (const name of ["t1", "t2", "t3", "t4", "t5"]) {
        const [one, two] = [harness("2026-01-01T00:00:00Z"), harness("2026-01-01T00:00:00Z")];
        for (const h of [one, two]) {
          h.scheduler.add("a", cron(expression, { name }));
          h.scheduler.start();
        }
        expect(one.scheduler.nextFireAt("a"), `${expression} (${name})`).toBe(two.scheduler.nextFireAt("a"));
      }
    }
  });

  it("resolves H with the trigger's own hash in the config as in the scheduler, so both accept or refuse the same triggers", () => {
    // `H` in the day of month picks 1-31; in February, 30 and 31 never come.
    const outcomes = { accepted: 0, refused: 0 };
    for (let i = 0; i < 100; i++) {
      const name = `t${i}`;
      let config: string | undefined;
      try {
        resolveSchedule("report", { cron: "0 0 H 2 *", name });
      } catch (error) {
        config = (error as Error).message;
      }
      let scheduler: string | undefined;
      try {
        harness("2026-01-01T00:00:00Z").scheduler.add("report", cron("0 0 H 2 *", { name }));
      } catch (error) {
        scheduler = (error as Error).message;
      }
      expect(config === undefined, `trigger ${name}: config ${config ?? "accepts"}, scheduler ${scheduler ?? "accepts"}`).toBe(scheduler === undefined);
      if (config === undefined) outcomes.accepted++;
      else {
        outcomes.refused++;
        expect(config).toMatch(/the day of month field "H": for this trigger H picks day 3[01], which never comes in the months named/);
        expect(config).toContain("use H(1-28)");
        expectOwnWords(config);
      }
    }
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});

/** Fire the next `count` slots, jumping the clock straight to each (no 30-second steps in between). */
async function fireNext(h: Harness, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const next = h.scheduler.nextFireAt("a");
    if (next === undefined) return;
    h.clock.jump(next - h.clock.now());
    await h.clock.runDue();
  }
}

/** The spring-forward changes of `zone` in [from, to): the instant, and expressions set inside the gap on that day's own rule. */
function springChanges(zone: TimeZone, from: number, to: number): Array<{ at: number; expressions: string[] }> {
  const changes: Array<{ at: number; expressions: string[] }> = [];
  const WEEK = 7 * 86_400_000;
  for (let t = from; t < to; t += WEEK) {
    const before = zone.offsetAt(t);
    const offset = zone.offsetAt(t + WEEK);
    if (offset <= before) continue;
    // the first minute with the new offset, by bisection
    let low = t;
    let high = t + WEEK;
    while (high - low > 60_000) {
      const middle = low + Math.floor((high - low) / 120_000) * 60_000;
      if (zone.offsetAt(middle) === before) low = middle;
      else high = middle;
    }
    const at = high;
    // wall clock just before the change, and the gap's length
    const local = new Date(at + before);
    const gap = offset - before;
    const day = local.getUTCDate();
    const lastDay = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
    const weekday = local.getUTCDay();
    const rules = [`${weekday}#${Math.ceil(day / 7)}`, ...(day + 7 > lastDay ? [`${weekday}L`] : [])];
    const expressions: string[] = [];
    for (let m = 0; m < gap; m += 15 * 60_000) {
      const inGap = new Date(at + before + m);
      for (const rule of rules) expressions.push(`${inGap.getUTCMinutes()} ${inGap.getUTCHours()} * ${local.getUTCMonth() + 1} ${rule}`);
    }
    changes.push({ at, expressions });
  }
  return changes;
}
