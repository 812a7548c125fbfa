import type { CronFieldName } from "./CronExpressionError.js";

/** What a 5- or 6-field expression looks like, for the message about a wrong number of fields. */
export const CRON_EXPECTATION = "5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first";

/** The macros a cron string may be instead of fields, and what each stands for. */
export const CRON_MACROS: Readonly<Record<string, string>> = Object.freeze({
  "@yearly": "0 0 0 1 1 *",
  "@annually": "0 0 0 1 1 *",
  "@monthly": "0 0 0 1 * *",
  "@weekly": "0 0 0 * * 0",
  "@daily": "0 0 0 * * *",
  "@hourly": "0 0 * * * *",
  "@minutely": "0 * * * * *",
  "@secondly": "* * * * * *",
  "@weekdays": "0 0 0 * * 1-5",
  "@weekends": "0 0 0 * * 0,6",
});

/** Longest expression read; listing every value of every field takes about half of it. */
export const MAX_CRON_LENGTH = 1_024;

/** Month names, as cron reads them (`JAN` = 1). */
export const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
/** Day names, as cron reads them (`SUN` = 0). */
export const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
/** Day names for messages, Sunday first. */
export const DAY_WORDS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
/** Month names for messages. */
export const MONTH_WORDS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
/** Days in each month, February counted with 29. */
export const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** What one field accepts. */
export interface FieldRule {
  readonly name: CronFieldName;
  readonly min: number;
  readonly max: number;
  /** The largest step: the number of distinct values the field stands for. */
  readonly maxStep: number;
  /** The field's allowed values, for messages: "minutes are 0-59". */
  readonly allowed: string;
  /** Names standing for values (`JAN` = 1, `SUN` = 0), upper case. */
  readonly names?: readonly string[];
  /** Value of `names[0]`. */
  readonly firstName?: number;
}

/** The rule of each field. */
export const SECOND: FieldRule = { name: "second", min: 0, max: 59, maxStep: 60, allowed: "seconds are 0-59" };
export const MINUTE: FieldRule = { name: "minute", min: 0, max: 59, maxStep: 60, allowed: "minutes are 0-59" };
export const HOUR: FieldRule = { name: "hour", min: 0, max: 23, maxStep: 24, allowed: "hours are 0-23" };
export const DAY_OF_MONTH: FieldRule = { name: "day of month", min: 1, max: 31, maxStep: 31, allowed: "days of the month are 1-31, or L for the last day" };
export const MONTH: FieldRule = { name: "month", min: 1, max: 12, maxStep: 12, allowed: "months are 1-12 or JAN-DEC", names: MONTH_NAMES, firstName: 1 };
export const DAY_OF_WEEK: FieldRule = {
  name: "day of week",
  min: 0,
  max: 7,
  maxStep: 7,
  allowed: "days of the week are 0-7 or SUN-SAT (0 and 7 are Sunday), 5L (the last Friday of the month) or 1#2 (the second Monday)",
  names: DAY_NAMES,
  firstName: 0,
};

/** The rules of a 5-field expression, in order; a 6-field one has seconds first. */
export const FIVE_FIELDS: readonly FieldRule[] = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK];
/** The rules of a 6-field expression, in order. */
export const SIX_FIELDS: readonly FieldRule[] = [SECOND, ...FIVE_FIELDS];

/** The rules of the fields of an expression with `count` fields (5 or 6), in order. */
export function cronFieldRules(count: 5 | 6): ReadonlyArray<{ readonly name: CronFieldName; readonly allowed: string }> {
  return count === 5 ? FIVE_FIELDS : SIX_FIELDS;
}
