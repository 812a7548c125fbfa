import { CronSchedule, type CronPattern } from "./CronSchedule.js";
import type { DueSlots } from "./DueSlots.js";
import { Series } from "./Series.js";

/**
 * Most slots of a cron series counted one by one after a stall; beyond it the
 * count is a lower bound, and the series skips ahead in two cron-parser calls.
 */
export const MISSED_SLOT_CAP = 1_000;

/** The slots of cron triggers sharing one expression (in its normalised form) and time zone. */
export class CronSeries extends Series {
  readonly pattern: CronPattern;
  readonly #schedule: CronSchedule;

  constructor(key: string, pattern: CronPattern) {
    super(key);
    this.pattern = pattern;
    this.#schedule = new CronSchedule(pattern);
  }

  override arm(after: number): void {
    this.handledUntil = after;
    this.#schedule.reset(after);
    this.at = this.#next();
  }

  override collect(now: number, due: DueSlots): void {
    const list = due.list;
    due.first = this.at;
    list.push(this.at);
    let slot = this.#next();
    while (slot <= now && list.length < MISSED_SLOT_CAP) {
      list.push(slot);
      slot = this.#next();
    }
    if (slot <= now) {
      // Too many to count: jump to the latest slot and on from there.
      due.capped = true;
      const listed = list[list.length - 1] as number;
      const latest = this.#schedule.previous(now) ?? listed;
      due.latest = Math.max(latest, listed);
      due.count = list.length + (due.latest > listed ? 1 : 0);
      this.#schedule.reset(Math.max(now, due.latest));
      slot = this.#next();
    } else {
      due.latest = list[list.length - 1] as number;
      due.count = list.length;
    }
    this.at = slot;
    this.handledUntil = now;
  }

  override describe(): string {
    const { expression, zone } = this.pattern;
    return `cron "${expression}" (${zone.name})`;
  }

  #next(): number {
    if (this.error !== undefined) return Infinity;
    try {
      return this.#schedule.next();
    } catch (error) {
      this.error = error;
      return Infinity;
    }
  }
}
