/**
 * `ms` since the epoch as an ISO 8601 string (`"2026-01-05T09:00:00.000Z"`);
 * the epoch itself for a time a `Date` cannot hold, so describing a time never throws.
 */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}
