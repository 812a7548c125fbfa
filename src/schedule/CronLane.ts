import type { CronRunner } from "./CronRunner.js";
import type { CronTick, TickMessage } from "./ScheduleSpec.js";
import type { TriggerActivity } from "./TriggerActivity.js";

/**
 * The runs of one trigger name, each known by its tick. Kept while the
 * incarnation lives when the trigger is known (no allocation per tick),
 * dropped once idle otherwise.
 */
export class CronLane {
  readonly name: string;
  /** The runner the lane belongs to (the list of returned runs is shared by all runners). */
  readonly runner: CronRunner;
  /** Whether `lookup` knew the trigger when the lane was made. */
  readonly known: boolean;
  /**
   * What the trigger's source keeps of it (its last run, skipped slots), asked
   * for when the lane is made and again only when the lane's runs name another
   * trigger object (removed and added again under the same name): no lookup
   * by name per run.
   */
  activity: TriggerActivity | undefined = undefined;
  /** The run in flight (the only one, but for `overlap: 'allow'`). */
  first: CronTick | undefined = undefined;
  /** Further runs in flight (`overlap: 'allow'`), made on demand. */
  rest: Set<CronTick> | undefined = undefined;
  /** The deadlines of the runs in flight, for triggers with a `timeout`. */
  deadlines: Map<CronTick, () => void> | undefined = undefined;
  queued: TickMessage | undefined = undefined;
  /** Runs that returned without a promise in this turn, to settle in the next microtask. */
  returned: CronTick | CronTick[] | undefined = undefined;
  /** The next lane with returned runs (the list of them, which costs no allocation). */
  nextReturned: CronLane | undefined = undefined;
  /** Runs handed over by {@link CronRunner.run}, waiting for the lane to be idle, first come first served. */
  waiters: Array<() => void> | undefined = undefined;

  constructor(name: string, known: boolean, runner: CronRunner) {
    this.name = name;
    this.runner = runner;
    this.known = known;
  }

  get size(): number {
    return (this.first === undefined ? 0 : 1) + (this.rest?.size ?? 0);
  }

  add(run: CronTick): void {
    if (this.first === undefined) this.first = run;
    else (this.rest ??= new Set()).add(run);
  }

  /** Remove `run` and cancel its deadline; false when it was not in flight (already settled or abandoned). */
  delete(run: CronTick): boolean {
    if (this.first === run) this.first = undefined;
    else if (this.rest?.delete(run) !== true) return false;
    const deadlines = this.deadlines;
    if (deadlines !== undefined) {
      deadlines.get(run)?.();
      deadlines.delete(run);
    }
    return true;
  }

  /** Take every run in flight out of the lane (their deadlines cancelled). */
  drain(): CronTick[] {
    const runs = this.first === undefined ? [] : [this.first];
    if (this.rest !== undefined) runs.push(...this.rest);
    this.first = undefined;
    this.rest = undefined;
    for (const cancel of this.deadlines?.values() ?? []) cancel();
    this.deadlines = undefined;
    return runs;
  }
}
