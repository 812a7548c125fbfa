import { MAX_RAN_RANGES, type FinishedRun, type RunningSlot, type TriggerChange, type TriggerRecord } from "./TriggerStore.js";

type Range = [number, number];
type Ranges = TriggerRecord["ran"];
type Change<T extends TriggerChange["type"]> = Extract<TriggerChange, { type: T }>;

/** The last run, the record's own object (changed in place). */
interface OwnRun {
  slot: number;
  outcome: FinishedRun["outcome"];
  attempt: number;
  endedAt: number;
  startedAt?: number;
}

/**
 * One trigger's record as a store that keeps it in memory changes it: the
 * rules of every {@link TriggerChange} (see there; the same as
 * `applyChange()`, which a differential test holds equal), applied in place.
 * A refused change leaves it as it was. Its arrays, ranges and last run are
 * its own, so a live slot's begin and end allocate only the running entry:
 * no record object per change for the garbage collector to copy while
 * 10,000 triggers fire in the same second. The memory store keeps one per
 * trigger and hands out copies ({@link LiveRecord.toRecord}).
 */
export class LiveRecord {
  lastSlot: number | undefined;
  lastPassed: boolean;
  paused: boolean | undefined;
  #lastRun: OwnRun | undefined;
  readonly #running: RunningSlot[];
  readonly #ran: Range[];

  /** A record made from `record` (copied: later changes to either do not show in the other), or empty. */
  constructor(record?: TriggerRecord) {
    this.lastSlot = record?.lastSlot;
    this.lastPassed = record?.lastPassed === true;
    this.paused = record?.paused;
    this.#lastRun = record?.lastRun === undefined ? undefined : { ...record.lastRun };
    this.#running = record === undefined ? [] : record.running.slice();
    this.#ran = record === undefined ? [] : record.ran.map((range) => [range[0], range[1]] as Range);
  }

  /** Apply `change` when its rules accept it; false (and the record unchanged) when they refuse it. */
  apply(change: TriggerChange): boolean {
    switch (change.type) {
      case "begin":
        return this.#begin(change);
      case "end":
        return this.#end(change);
      case "pass":
        if (this.lastSlot !== undefined && this.lastSlot >= change.slot) return false;
        this.lastSlot = change.slot;
        this.lastPassed = true;
        return true;
      case "pause":
        if ((this.paused ?? false) === change.paused) return false;
        this.paused = change.paused;
        return true;
    }
  }

  /** The record as plain data: a copy (later changes do not show in it, and changing it does not reach this one). */
  toRecord(): TriggerRecord {
    const lastRun = this.#lastRun;
    const record: { -readonly [K in keyof TriggerRecord]: TriggerRecord[K] } = {
      running: this.#running.slice(),
      ran: this.#ran.map((range) => [range[0], range[1]] as const),
    };
    if (this.lastSlot !== undefined) record.lastSlot = this.lastSlot;
    if (this.lastPassed) record.lastPassed = true;
    if (lastRun !== undefined) record.lastRun = { ...lastRun };
    if (this.paused !== undefined) record.paused = this.paused;
    return record;
  }

  #begin(change: Change<"begin">): boolean {
    const { slot, mode } = change;
    const running = this.#running;
    switch (mode) {
      case "next":
        if (this.paused === true || (this.lastSlot !== undefined && this.lastSlot >= slot)) return false;
        this.#insertRunning(this.#entry(change, change.follows ?? (this.lastPassed ? undefined : this.lastSlot)));
        this.#moveLastSlot(slot);
        return true;
      case "retry": {
        const index = running.findIndex((run) => run.slot === slot && run.attempt === change.attempt - 1);
        if (index < 0) return false;
        this.#running[index] = this.#entry(change, change.follows);
        return true;
      }
      case "backfill":
        if (running.some((run) => run.slot === slot) || covered(this.#ran, slot)) return false;
        this.#insertRunning(this.#entry(change, change.follows));
        if (this.lastSlot === undefined || this.lastSlot < slot) this.#moveLastSlot(slot);
        return true;
    }
  }

  #end(change: Change<"end">): boolean {
    const { slot, attempt, outcome } = change;
    const running = this.#running;
    let index = -1;
    for (let i = 0; i < running.length; i++) {
      const run = running[i] as RunningSlot;
      if (run.slot === slot && run.attempt === attempt) {
        index = i;
        break;
      }
    }
    if (index < 0) return false;
    const started = running[index] as RunningSlot;
    if (index === running.length - 1) running.pop();
    else running.splice(index, 1);
    if (outcome === "skipped") return true;
    const last = this.#lastRun;
    if (last === undefined) {
      this.#lastRun = { slot, outcome, attempt, endedAt: change.at, startedAt: started.startedAt };
    } else if (last.slot <= slot) {
      // the record's own object: changed in place, nothing allocated
      last.slot = slot;
      last.outcome = outcome;
      last.attempt = attempt;
      last.endedAt = change.at;
      last.startedAt = started.startedAt;
    }
    if (outcome !== "interrupted") this.#addRan(slot, change.follows ?? started.follows);
    return true;
  }

  #entry(change: Change<"begin">, follows: number | undefined): RunningSlot {
    const { slot, attempt, at, instance } = change;
    return follows === undefined ? { slot, attempt, startedAt: at, instance } : { slot, attempt, startedAt: at, instance, follows };
  }

  /** `lastSlot` moves to a begun slot (no longer a passed one). */
  #moveLastSlot(slot: number): void {
    this.lastSlot = slot;
    this.lastPassed = false;
  }

  /** Insert `entry`, keeping the running slots in order. */
  #insertRunning(entry: RunningSlot): void {
    const running = this.#running;
    let at = running.length;
    while (at > 0 && (running[at - 1] as RunningSlot).slot > entry.slot) at--;
    if (at === running.length) running.push(entry);
    else running.splice(at, 0, entry);
  }

  /**
   * `slot` ran: the range ending at `follows` (the slot right before `slot`
   * in the trigger's sequence, when known) grows to `slot`; otherwise a range
   * `[slot, slot]` is inserted in order. Ranges stay sorted and disjoint; a
   * slot already covered changes nothing. Keeps the newest {@link MAX_RAN_RANGES}.
   */
  #addRan(slot: number, follows: number | undefined): void {
    const ran = this.#ran;
    const last = ran.length - 1;
    if (last >= 0 && follows !== undefined && follows < slot && (ran[last] as readonly [number, number])[1] === follows) {
      // the common case: a live slot right after the previous one
      (ran[last] as Range)[1] = slot;
      return;
    }
    if (covered(ran, slot)) return;
    const grown = follows === undefined || follows >= slot ? -1 : ran.findIndex((range) => range[1] === follows);
    if (grown >= 0) {
      (ran[grown] as Range)[1] = slot;
    } else {
      let at = ran.length;
      while (at > 0 && (ran[at - 1] as Range)[0] > slot) at--;
      ran.splice(at, 0, [slot, slot]);
    }
    if (ran.length > MAX_RAN_RANGES) ran.splice(0, ran.length - MAX_RAN_RANGES);
  }
}

/** True when a range of `ran` covers `slot`. */
function covered(ran: Ranges, slot: number): boolean {
  for (let i = ran.length - 1; i >= 0; i--) {
    const range = ran[i] as readonly [number, number];
    if (range[0] <= slot && slot <= range[1]) return true;
  }
  return false;
}
