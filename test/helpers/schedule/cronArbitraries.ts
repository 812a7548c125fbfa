import fc from "fast-check";

/** One cron field between `min` and `max`: `*`, a value, a range, a step, a stepped range or a list. */
export function cronField(min: number, max: number): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  const range = fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const step = fc.integer({ min: 1, max: Math.max(1, max - min) });
  return fc.oneof(
    fc.constant("*"),
    value.map(String),
    range,
    step.map((s) => `*/${s}`),
    fc.tuple(range, step).map(([r, s]) => `${r}/${s}`),
    fc.uniqueArray(value, { minLength: 2, maxLength: 4 }).map((values) => values.sort((a, b) => a - b).join(",")),
  );
}

/** A field that is `*` most of the time, so that generated expressions have slots often enough. */
function mostlyAny(min: number, max: number): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: fc.constant("*"), weight: 3 }, { arbitrary: cronField(min, max), weight: 1 });
}

/** A valid 5-field expression (day of month up to 28, so every combination has slots; cron-parser refuses `0,7` as a duplicate Sunday, so day of week stays in 0-6). */
export const cron5: fc.Arbitrary<string> = fc
  .tuple(cronField(0, 59), cronField(0, 23), mostlyAny(1, 28), mostlyAny(1, 12), mostlyAny(0, 6))
  .map((fields) => fields.join(" "));

/** A valid 6-field expression, seconds first. */
export const cron6: fc.Arbitrary<string> = fc.tuple(cronField(0, 59), cron5).map(([seconds, rest]) => `${seconds} ${rest}`);

/** A 5- or 6-field expression. */
export const cronExpression: fc.Arbitrary<string> = fc.oneof(cron5, cron6);

/** An instant between 2000 and 2099, in ms, with milliseconds. */
export const instant: fc.Arbitrary<number> = fc.integer({ min: Date.parse("2000-01-01T00:00:00Z"), max: Date.parse("2099-12-31T00:00:00Z") });
