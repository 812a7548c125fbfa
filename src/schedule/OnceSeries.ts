import type { DueSlots } from "./DueSlots.js";
import { Series } from "./Series.js";

/** The single slot of `at` and `delay` triggers due at one instant. */
export class OnceSeries extends Series {
  /** The instant, ms since the epoch. */
  readonly instant: number;
  override readonly once = true;

  constructor(key: string, instant: number) {
    super(key);
    this.instant = instant;
  }

  /** One-shot triggers take their slot whatever their arming instant (an `at` in the past is refused before). */
  override canJoin(): boolean {
    return !this.busy && this.at !== Infinity;
  }

  override arm(): void {
    this.at = this.instant;
  }

  override collect(now: number, due: DueSlots): void {
    due.single(this.instant);
    this.at = Infinity;
    this.handledUntil = now;
  }

  override describe(): string {
    return `once at ${new Date(this.instant).toISOString()}`;
  }
}
