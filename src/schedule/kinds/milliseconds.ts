/** True when `value` is a finite number of milliseconds, at least 0 (above 0 when `positive`). */
export function isMilliseconds(value: unknown, positive = false): value is number {
  return typeof value === "number" && Number.isFinite(value) && (positive ? value > 0 : value >= 0);
}
