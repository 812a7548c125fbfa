import type { DueSlots } from "./DueSlots.js";
import { Series } from "./Series.js";

/** The slots of `every` triggers of one period: the multiples of the period since the Unix epoch. */
export class EverySeries extends Series {
  /** ms */
  readonly period: number;

  constructor(key: string, period: number) {
    super(key);
    this.period = period;
  }

  override arm(after: number): void {
    this.handledUntil = after;
    this.at = this.#firstAfter(after);
  }

  override collect(now: number, due: DueSlots): void {
    const first = this.at;
    let latest = Math.floor(now / this.period) * this.period;
    if (latest < first) latest = first;
    due.first = first;
    due.latest = latest;
    due.period = this.period;
    due.count = Math.round((latest - first) / this.period) + 1;
    this.at = this.#firstAfter(Math.max(now, latest));
    this.handledUntil = now;
  }

  override describe(): string {
    return `every ${this.period}ms`;
  }

  #firstAfter(instant: number): number {
    const slot = (Math.floor(instant / this.period) + 1) * this.period;
    return slot > instant ? slot : slot + this.period;
  }
}
