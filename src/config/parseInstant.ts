const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Milliseconds since the epoch of an ISO 8601 instant with a time zone
 * designator (`2026-12-01T14:30:00Z`, `2026-12-01T09:30:00-05:00`), or
 * `undefined` when `text` is not one (no designator, impossible date or time).
 */
export function parseInstant(text: string): number | undefined {
  const match = ISO_INSTANT.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second = "0", fraction = "", zulu, sign, offsetHours = "0", offsetMinutes = "0"] = match;
  const fields = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
  };
  if (fields.month < 1 || fields.month > 12 || fields.day < 1 || fields.hour > 23 || fields.minute > 59 || fields.second > 59) return undefined;
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(fields.year, fields.month, 0);
  if (fields.day > lastDay.getUTCDate()) return undefined;
  const offsetH = Number(offsetHours);
  const offsetM = Number(offsetMinutes);
  if (zulu === undefined && (offsetH > 23 || offsetM > 59)) return undefined;
  const offset = zulu === undefined ? (sign === "-" ? -1 : 1) * (offsetH * 60 + offsetM) * 60_000 : 0;
  const date = new Date(0);
  date.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  date.setUTCHours(fields.hour, fields.minute, fields.second, Number(`${fraction}000`.slice(0, 3)));
  const local = date.getTime();
  return Number.isFinite(local) ? local - offset : undefined;
}
