const BUCKET_MS = 900_000;
const DAY_MS = 86_400_000;
const CACHE_LIMIT = 8_192;

/**
 * An IANA time zone as the scheduler needs it: the UTC offset at an instant,
 * and the instants a local wall-clock time stands for (none inside a
 * spring-forward gap, two inside a repeated fall-back hour).
 *
 * Local wall-clock times are written as "floating" milliseconds: the value
 * `Date.UTC(year, month - 1, day, hour, minute, second)` of the local fields.
 * Offsets come from `Intl.DateTimeFormat` and are cached per 15-minute span
 * (a span whose two ends disagree is never cached).
 */
export class TimeZone {
  /** The canonical IANA name, e.g. `America/New_York` or `UTC`. */
  readonly name: string;
  readonly #format: Intl.DateTimeFormat | undefined;
  readonly #cache = new Map<number, number>();

  /**
   * @param name an IANA time zone name (case-insensitive, aliases allowed).
   * @throws RangeError when the runtime does not know the zone.
   */
  constructor(name: string) {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    this.name = format.resolvedOptions().timeZone;
    this.#format = this.name === "UTC" ? undefined : format;
  }

  /** True for UTC, whose offset is always 0. */
  get isUtc(): boolean {
    return this.#format === undefined;
  }

  /** Offset of local time from UTC at `instant`, in ms (New York in winter: −18,000,000). */
  offsetAt(instant: number): number {
    if (this.#format === undefined) return 0;
    const bucket = Math.floor(instant / BUCKET_MS);
    const cached = this.#cache.get(bucket);
    if (cached !== undefined) return cached;
    const start = bucket * BUCKET_MS;
    const atStart = this.#compute(start);
    if (atStart !== this.#compute(start + BUCKET_MS - 1)) return this.#compute(instant);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(bucket, atStart);
    return atStart;
  }

  /** The local wall-clock time (floating ms) at `instant`. */
  toLocal(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /**
   * The instants at which the wall clock shows `local`, ascending: one
   * normally, none inside a spring-forward gap, two inside a repeated hour.
   */
  instantsOf(local: number): number[] {
    const before = this.offsetAt(local - DAY_MS);
    const after = this.offsetAt(local + DAY_MS);
    if (before === after) {
      const instant = local - before;
      if (this.offsetAt(instant) === before) return [instant];
      // Two transitions within two days (rare): fall back to the offset at the guess.
      const other = this.offsetAt(instant);
      return this.offsetAt(local - other) === other ? [local - other] : [];
    }
    const result: number[] = [];
    // The larger offset gives the earlier instant.
    for (const offset of before > after ? [before, after] : [after, before]) {
      const instant = local - offset;
      if (this.offsetAt(instant) === offset) result.push(instant);
    }
    return result;
  }

  /**
   * For a `local` time inside a spring-forward gap: the first instant after
   * the gap (the transition itself), found by bisection on the offset.
   */
  gapEnd(local: number): number {
    const before = this.offsetAt(local - DAY_MS);
    const after = this.offsetAt(local + DAY_MS);
    // In a gap the offset grows: the transition lies in [local - after, local - before].
    let low = local - Math.max(before, after);
    let high = local - Math.min(before, after);
    const target = Math.max(before, after);
    if (this.offsetAt(high) !== target) return high;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (this.offsetAt(middle) === target) high = middle;
      else low = middle;
    }
    return high;
  }

  #compute(instant: number): number {
    const format = this.#format;
    if (format === undefined) return 0;
    const second = Math.floor(instant / 1_000) * 1_000;
    const fields = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
    for (const part of format.formatToParts(second)) {
      if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
    }
    const local = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
    return local - second;
  }
}
