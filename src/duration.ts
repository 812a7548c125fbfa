/**
 * A length of time: a number of milliseconds, or a string such as `"500ms"`,
 * `"30s"`, `"5m"`, `"1h"` or `"1d"` (decimals allowed: `"1.5s"`).
 */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/**
 * Parse a {@link Duration} into milliseconds, or return `undefined` when the
 * value is not a well-formed, finite, non-negative duration.
 */
export function toMilliseconds(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = PATTERN.exec(value);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = UNITS[match[2] as string] as number;
  const ms = amount * unit;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Human-readable form of a duration in milliseconds, e.g. `90000` → `"1m30s"`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join("");
}
