/**
 * The slots of one series found due at one wake-up: how many, the first and
 * the latest. A regular series (`every`) describes them by its period; a cron
 * series lists them, up to a cap.
 */
export class DueSlots {
  /** Number of due slots (a lower bound when {@link DueSlots.capped}). */
  count = 0;
  /** The earliest due slot. */
  first = 0;
  /** The latest due slot. */
  latest = 0;
  /** The spacing of the slots when regular, else 0. */
  period = 0;
  /** The due slots in order, when the series lists them (cron); the latest may be missing when capped. */
  readonly list: number[] = [];
  /** True when there were more slots than the cap allowed to count. */
  capped = false;

  /** Forget the previous wake-up's slots. */
  reset(): void {
    this.count = 0;
    this.first = 0;
    this.latest = 0;
    this.period = 0;
    this.list.length = 0;
    this.capped = false;
  }

  /** One slot only (a `once` series, or a regular one found on time). */
  single(slot: number): void {
    this.count = 1;
    this.first = slot;
    this.latest = slot;
  }

  /** How many due slots lie strictly after `after` (a trigger never takes a slot at or before its arming). */
  countAfter(after: number): number {
    if (after < this.first) return this.count;
    if (after >= this.latest) return 0;
    if (this.period > 0) {
      const firstAfter = (Math.floor(after / this.period) + 1) * this.period;
      return firstAfter > this.latest ? 1 : Math.round((this.latest - firstAfter) / this.period) + 1;
    }
    const list = this.list;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((list[middle] as number) <= after) low = middle + 1;
      else high = middle;
    }
    return this.count - low;
  }
}
