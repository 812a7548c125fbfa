import { didYouMean } from "../config/didYouMean.js";
import { CronExpressionError } from "./CronExpressionError.js";
import {
  CRON_EXPECTATION,
  CRON_MACROS,
  DAY_OF_MONTH,
  DAY_OF_WEEK,
  DAY_WORDS,
  DAYS_IN_MONTH,
  FIVE_FIELDS,
  MAX_CRON_LENGTH,
  MONTH,
  MONTH_WORDS,
  SIX_FIELDS,
  type FieldRule,
} from "./cronFields.js";

/** One item of a field's list, read. */
type Item =
  | { readonly kind: "values"; readonly values: readonly number[] }
  /** `L` in the day of month, `5L` / `5#2` in the day of week: kept as cron-parser keeps them. */
  | { readonly kind: "special"; readonly token: string }
  /** Anything with `H`: its values depend on the trigger's hash. */
  | { readonly kind: "hashed" };

/** A field read: its items, and whether it is `*` or `?` as a whole. */
interface ReadField {
  readonly rule: FieldRule;
  readonly raw: string;
  readonly items: readonly Item[];
  readonly wildcard: boolean;
}

/**
 * Check a cron expression (5 fields, 6 with seconds first, or a macro such as
 * `@daily`) the way the scheduler reads it, and throw a {@link CronExpressionError}
 * in the library's words for the first problem: a wrong number of fields, an
 * unknown macro, a value or range outside its field, a backwards range, a step
 * of 0 or larger than its field's range, an unknown name, `L`, `W` or `#`
 * misused, a value listed twice, a day of month that no month named has.
 *
 * It does not decide whether the expression has a slot in a time zone (see
 * `firstCronSlot`), nor resolve `H` (which needs the trigger's hash).
 *
 * @example
 * ```ts
 * checkCronSyntax("0 9-17 * * MON-FRI"); // fine
 * checkCronSyntax("1/90 * * * * *");
 * // CronExpressionError: the second field "1/90": a step of 90 is larger than the field's whole range …
 * ```
 */
export function checkCronSyntax(expression: string): void {
  const text = expression.trim();
  if (text.length > MAX_CRON_LENGTH) {
    throw new CronExpressionError(`it is ${text.length.toLocaleString("en-US")} characters long; a cron expression has at most ${MAX_CRON_LENGTH.toLocaleString("en-US")}`);
  }
  if (text.startsWith("@")) {
    checkMacro(text);
    return;
  }
  const raw = text === "" ? [] : text.split(/\s+/);
  if (raw.length !== 5 && raw.length !== 6) {
    throw new CronExpressionError(`it has ${raw.length} field${raw.length === 1 ? "" : "s"}; expected ${CRON_EXPECTATION}`);
  }
  const last = raw[raw.length - 1] as string;
  if (raw.length === 6 && /^\d{4}$/.test(last) && Number(last) > DAY_OF_WEEK.max) {
    throw new CronExpressionError(
      `the day of week field ${JSON.stringify(last)} looks like a year, but cron has no year field (6 fields means seconds first); ` +
        'for a single date, write a trigger such as { at: "2030-01-01T00:00:00Z" }',
      "day of week",
    );
  }
  const rules = raw.length === 5 ? FIVE_FIELDS : SIX_FIELDS;
  const fields = raw.map((value, index) => readField(rules[index] as FieldRule, value));
  const offset = raw.length - 5;
  checkDaysExist(fields[offset + 2] as ReadField, fields[offset + 3] as ReadField, fields[offset + 4] as ReadField);
}

function checkMacro(text: string): void {
  if (Object.hasOwn(CRON_MACROS, text)) return;
  const word = text.split(/\s+/)[0] as string;
  const macros = Object.keys(CRON_MACROS);
  let hint = didYouMean(word, macros);
  if (word === "@every") hint = ' (for a fixed period, write a trigger such as { every: "5s" } instead of a cron string)';
  else if (word === "@reboot") hint = ' (to run once after start, write a trigger such as { delay: "1s" })';
  else if (Object.hasOwn(CRON_MACROS, word)) hint = ` (a macro stands alone: ${JSON.stringify(word)} takes no fields after it)`;
  throw new CronExpressionError(`${JSON.stringify(word)} is not a cron macro${hint}; the macros are ${macros.join(", ")}`);
}

/** How messages about one field are made. */
interface Context {
  /** Throw for the field: `the <field> field "<raw>": <problem>`. */
  readonly fail: (problem: string) => never;
  /** An item named in a message: "it" when it is the whole field, else quoted. */
  readonly quote: (item: string) => string;
  /** `: got "<item>"`, or nothing when the item is the whole field (already quoted). */
  readonly got: (item: string) => string;
}

/** Read one field, or throw naming it. */
function readField(rule: FieldRule, raw: string): ReadField {
  const context: Context = {
    fail: (problem) => {
      // Every refusal names the field, its value and what the field allows.
      const allowed = problem.includes(rule.allowed) ? "" : `; ${rule.allowed}`;
      throw new CronExpressionError(`the ${rule.name} field ${JSON.stringify(raw)}: ${problem}${allowed}`, rule.name);
    },
    quote: (item) => (item === raw ? "it" : JSON.stringify(item)),
    got: (item) => (item === raw ? "" : `: got ${JSON.stringify(item)}`),
  };
  const parts = raw.split(",");
  if (parts.length > 1 && raw.includes("#")) {
    context.fail('"#" takes a single day ("1#2", the second Monday of the month) and cannot be part of a list');
  }
  const items = parts.map((part) => readItem(rule, part, context));
  if (!items.some((item) => item.kind === "hashed")) checkRepeats(rule, items, context.fail);
  return { rule, raw, items, wildcard: raw === "*" || raw === "?" };
}

function readItem(rule: FieldRule, item: string, context: Context): Item {
  const { fail, quote, got } = context;
  if (item === "") fail("its list has an empty item (two commas in a row, or a comma at an end)");
  const isDayOfWeek = rule === DAY_OF_WEEK;
  if (!isDayOfWeek && item.includes("#")) fail(`"#" (the n-th weekday of the month, as in "1#2") belongs to the day of week field only; ${rule.allowed}`);
  if (rule === DAY_OF_MONTH && item === "L") return { kind: "special", token: "L" };
  if (isDayOfWeek && item.includes("#")) return readNth(rule, item, context);
  if (isDayOfWeek && item.length > 1 && item.endsWith("L") && !/[-/*?,]/.test(item)) {
    const day = item.slice(0, -1);
    if (day === "H") return { kind: "hashed" };
    const value = readValue(rule, day, fail);
    return { kind: "special", token: `${value}L` };
  }
  if (item.includes("L") && !hasNameWithL(rule, item)) failL(rule, item, context);
  if (/W/.test(item) && !hasNameWithW(rule, item)) {
    fail(`"W" (the weekday nearest a day) is not supported; ${rule.allowed}`);
  }
  const slash = item.split("/");
  if (slash.length > 2) fail(`${quote(item)} has more than one "/"; a step is written once, as in "*/15" or "10-40/10"`);
  const [base, stepText] = slash as [string, string | undefined];
  const step = stepText === undefined ? undefined : readStep(rule, item, stepText, context);
  if (base.startsWith("H")) {
    readHashed(rule, base, item, context);
    return { kind: "hashed" };
  }
  if (/H/.test(item) && !hasNameWithH(rule, item)) {
    fail(`"H" (a value picked from the trigger's name) is written H, H/15, H(0-29) or H(0-29)/15, not inside a range or a step${got(item)}`);
  }
  if (base === "*" || base === "?") return { kind: "values", values: expand(rule, rule.min, rule.max, step ?? 1) };
  if (base === "") fail(`${quote(item)} has nothing before "/"; write "*/15" for every 15, or "5/15" to start at 5`);
  if (base.includes("*") || base.includes("?")) {
    fail(`${quote(item)} mixes "*" or "?" with values; "*" stands alone for the whole range, or before a step ("*/15")`);
  }
  const dash = base.split("-");
  if (dash.length > 2) fail(`${quote(base)} has more than one "-"; a range is two values, as in "1-5"`);
  if (dash.length === 2) {
    const [lowText, highText] = dash as [string, string];
    if (lowText === "") fail(`${quote(base)} starts with "-", but values are never negative; ${rule.allowed}`);
    if (highText === "") fail(`${quote(base)} has no end after "-"; a range is two values, as in "1-5"`);
    const low = readValue(rule, lowText, fail);
    const high = readValue(rule, highText, fail);
    if (low > high) {
      fail(
        `the range ${base} runs backwards; write the lower value first (ranges do not wrap around: ` +
          `for ${base} write "${lowText}-${rule.max},${rule.min}-${highText}")`,
      );
    }
    return { kind: "values", values: expand(rule, low, high, step ?? 1) };
  }
  const value = readValue(rule, base, fail);
  if (step !== undefined) return { kind: "values", values: expand(rule, value, rule.max, step) };
  return { kind: "values", values: [isDayOfWeek ? value % 7 : value] };
}

/** `<day>#<n>` in the day of week: the n-th such weekday of the month. */
function readNth(rule: FieldRule, item: string, context: Context): Item {
  const { fail, quote, got } = context;
  const [day, nth, more] = item.split("#") as [string, string | undefined, string | undefined];
  if (more !== undefined) fail(`${quote(item)} has more than one "#"; write one day and its occurrence, as in "1#2" (the second Monday)`);
  if (/[-/*?]/.test(day) || (day.includes("L") && !hasNameWithL(rule, day))) {
    fail(`"#" takes a single day before it ("1#2", the second Monday), not a range, a step, "*" or L${got(item)}`);
  }
  if (nth === undefined || !/^[1-5]$/.test(nth)) {
    fail(`the occurrence after "#" is 1 to 5 (a month has at most five of any weekday)${got(item)}`);
  }
  if (day === "") fail(`${quote(item)} has no day before "#"; write one, as in "1#2" (the second Monday)`);
  if (day === "H") return { kind: "hashed" };
  const value = readValue(rule, day, fail);
  return { kind: "special", token: `${value % 7}#${nth}` };
}

function failL(rule: FieldRule, item: string, context: Context): never {
  const { fail, got } = context;
  if (rule === DAY_OF_MONTH) {
    if (item.includes("W")) fail(`"LW" (the last weekday of the month) is not supported; ${rule.allowed}`);
    fail(`"L" (the last day of the month) stands alone in a list item, without a range, step or offset${got(item)}`);
  }
  if (rule === DAY_OF_WEEK) {
    if (item === "L") fail('"L" needs a day before it in the day of week: "5L" is the last Friday of the month');
    fail(`"L" follows a single day ("5L", the last Friday of the month), not a range or a step${got(item)}`);
  }
  return fail(`"L" (last) belongs to the day of month and day of week fields only; ${rule.allowed}`);
}

/** A name such as `JUL` contains an L, `WED` a W, `THU` an H: those are not the special characters. */
function hasNameWithL(rule: FieldRule, item: string): boolean {
  return rule.names !== undefined && stripNames(rule, item).indexOf("L") < 0;
}
function hasNameWithW(rule: FieldRule, item: string): boolean {
  return rule.names !== undefined && stripNames(rule, item).indexOf("W") < 0;
}
function hasNameWithH(rule: FieldRule, item: string): boolean {
  return rule.names !== undefined && stripNames(rule, item).indexOf("H") < 0;
}
function stripNames(rule: FieldRule, item: string): string {
  const names = rule.names ?? [];
  return item.replace(/[A-Za-z]{3}/g, (word) => (names.includes(word.toUpperCase()) ? "0" : word));
}

/** A value: digits, or (months, days of week) a three-letter name. */
function readValue(rule: FieldRule, text: string, fail: (problem: string) => never): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < rule.min || value > rule.max) fail(`${text} is out of range; ${rule.allowed}`);
    return value;
  }
  const names = rule.names;
  if (names !== undefined && /^[A-Za-z]+$/.test(text)) {
    const index = names.indexOf(text.toUpperCase());
    if (index >= 0) return index + (rule.firstName ?? 0);
    const short = text.toUpperCase().slice(0, 3);
    const hint = names.includes(short) ? ` (names are three letters: ${JSON.stringify(short)})` : didYouMean(text.toUpperCase(), names);
    fail(`${JSON.stringify(text)} is not a ${rule === MONTH ? "month" : "day"} name${hint}; ${rule.allowed}`);
  }
  if (/^[A-Za-z]{3}$/.test(text)) fail(`${JSON.stringify(text)} looks like a name, but only months (JAN-DEC) and days of the week (SUN-SAT) have names; ${rule.allowed}`);
  if (/^[+-]?\d*\.\d+$/.test(text) || /^-\d+$/.test(text)) fail(`${JSON.stringify(text)} is not a whole number in range; ${rule.allowed}`);
  return fail(`${JSON.stringify(text)} is not a value, a range ("1-5"), a step ("*/15") or a list ("1,15"); ${rule.allowed}`);
}

/** The step after "/": a whole number from 1 to the number of values of the field. */
function readStep(rule: FieldRule, item: string, text: string, context: Context): number {
  const { fail, quote } = context;
  const expected = `a step is a whole number from 1 to ${rule.maxStep}`;
  if (text === "") fail(`${quote(item)} has no step after "/"; ${expected}`);
  if (!/^\d+$/.test(text)) fail(`the step ${JSON.stringify(text)} is not a whole number; ${expected}`);
  const step = Number(text);
  if (step === 0) fail(`a step of 0 never moves on; ${expected}`);
  if (step > rule.maxStep) {
    const first = item.startsWith("H") ? "a single value" : firstOfStep(rule, item);
    fail(
      `a step of ${step} is larger than the field's whole range (${rule.allowed}: ${rule.maxStep} values), ` +
        `so it could never repeat and would fire at ${first} only; ${expected}`,
    );
  }
  return step;
}

/** The one value a step too large for its field leaves: the start of its range. */
function firstOfStep(rule: FieldRule, item: string): string {
  const base = item.split("/")[0] as string;
  if (base === "*" || base === "?") return String(rule.min);
  return base.split("-")[0] as string;
}

/** `H`, `H(a-b)`, `H/s`, `H(a-b)/s`: the values are picked with the trigger's hash, so only the shape is checked here. */
function readHashed(rule: FieldRule, base: string, item: string, context: Context): void {
  const { fail, got } = context;
  if (base === "H") return;
  const range = /^H\(([^()]*)\)$/.exec(base);
  if (range === null) return fail(`"H" (a value picked from the trigger's name) is written H, H/15, H(0-29) or H(0-29)/15${got(item)}`);
  const bounds = (range[1] as string).split("-");
  if (bounds.length !== 2 || bounds[0] === "" || bounds[1] === "") fail(`"H(…)" takes a range of two values, as in "H(0-29)"${got(item)}`);
  const low = readValue(rule, bounds[0] as string, fail);
  const high = readValue(rule, bounds[1] as string, fail);
  if (low > high) fail(`the range ${bounds[0] as string}-${bounds[1] as string} runs backwards; write the lower value first${got(item)}`);
}

/** The values of `low-high/step` as cron-parser lists them (day of week: 7 kept, and 0 added when the walk ends on 7). */
function expand(rule: FieldRule, low: number, high: number, step: number): number[] {
  const values: number[] = [];
  if (rule === DAY_OF_WEEK && high % 7 === 0 && (high - low) % step === 0) values.push(0);
  for (let value = low; value <= high; value += step) if (!values.includes(value)) values.push(value);
  return values;
}

/** cron-parser refuses a value listed twice (`1,1`, `1-5,3`, Sunday as `0,7`): say so in our words. */
function checkRepeats(rule: FieldRule, items: readonly Item[], fail: (problem: string) => never): void {
  const seen = new Set<number | string>();
  for (const item of items) {
    const values: ReadonlyArray<number | string> = item.kind === "values" ? item.values : item.kind === "special" ? [item.token] : [];
    for (const value of values) {
      if (!seen.has(value)) {
        seen.add(value);
        continue;
      }
      if (rule === DAY_OF_WEEK && typeof value === "number") {
        fail(`${DAY_WORDS[value % 7] as string} is listed twice${value % 7 === 0 ? " (0 and 7 both mean Sunday)" : ""}; list each day once`);
      }
      fail(`${String(value)} is listed twice; list each value once`);
    }
  }
}

/**
 * A day of month that none of the months named has (`30 2`, `31 4,6`) never
 * fires when the day of week is `*`; with a day of week set, that field still
 * fires (classic cron: either one matches).
 */
function checkDaysExist(dayOfMonth: ReadField, month: ReadField, dayOfWeek: ReadField): void {
  if (!dayOfWeek.wildcard) return;
  const days = numbersOf(dayOfMonth);
  const months = numbersOf(month);
  if (days === undefined || months === undefined || dayOfMonth.items.some((item) => item.kind === "special")) return;
  const first = Math.min(...days);
  const longest = Math.max(...months.map((m) => DAYS_IN_MONTH[m - 1] as number));
  if (first <= longest) return;
  const named = months.map((m) => MONTH_WORDS[m - 1] as string);
  const which = named.length === 1 ? named[0] : `${named.slice(0, -1).join(", ")} or ${named[named.length - 1] as string}`;
  throw new CronExpressionError(
    `the day of month field ${JSON.stringify(dayOfMonth.raw)}: day ${first} never comes in ${which as string} ` +
      `(${longest} days at most), so the expression would never fire`,
    "day of month",
  );
}

/** The numeric values of a field, or `undefined` when they depend on a hash. */
function numbersOf(field: ReadField): number[] | undefined {
  const values: number[] = [];
  for (const item of field.items) {
    if (item.kind === "hashed") return undefined;
    if (item.kind === "values") values.push(...item.values);
  }
  return values;
}
