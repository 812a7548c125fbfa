/**
 * How a run of a trigger slot ended, as the store remembers it:
 * `ok` — `onCron` returned or resolved; `error` — it threw or rejected;
 * `hung` — it outlived the trigger's `timeout`; `aborted` — its incarnation
 * ended under it (a crash elsewhere in the agent, an operator restart) while
 * the orchestrator kept running; `interrupted` — the host stopped (died, or
 * shut down) mid-run and the slot was not run again (`delivery: at-most-once`,
 * or a second interruption); `skipped` — the slot was begun (claimed) but
 * never reached `onCron`: dropped by the trigger's `overlap`, or the agent was
 * down when it arrived. Neither `interrupted` nor `skipped` counts as ran.
 */
export type RunOutcome = "ok" | "error" | "hung" | "aborted" | "interrupted" | "skipped";

/** Every {@link RunOutcome}. */
export const RUN_OUTCOMES = ["ok", "error", "hung", "aborted", "interrupted", "skipped"] as const satisfies readonly RunOutcome[];

/** A slot that started and has not finished (or whose end was never recorded: the host died). */
export interface RunningSlot {
  /** The slot's instant, ms since the epoch. */
  readonly slot: number;
  /** 1 for the first run of the slot, 2 for its rerun after an interruption (`delivery: at-least-once`). */
  readonly attempt: number;
  /** When the run started, ms since the epoch, on the running instance's clock. */
  readonly startedAt: number;
  /** The orchestrator instance running it. */
  readonly instance: string;
  /** The slot right before this one in the trigger's sequence, when known: its end grows the range of `ran` ending there. */
  readonly follows?: number;
}

/** The last slot of a trigger whose run ended. */
export interface FinishedRun {
  readonly slot: number;
  readonly outcome: RunOutcome;
  readonly attempt: number;
  /** When it ended, ms since the epoch. */
  readonly endedAt: number;
  /** When it started, ms since the epoch (absent in records written before it was kept). */
  readonly startedAt?: number;
}

/**
 * What a {@link TriggerStore} keeps of one trigger of one agent. Plain JSON
 * data: every store writes it as it is.
 */
export interface TriggerRecord {
  /**
   * The latest slot the orchestrator dealt with while it was up: started, or
   * passed over (skipped by overlap, agent down, misfire, pause, or beyond the
   * catch-up window). Catch-up after downtime looks at the slots after it.
   */
  readonly lastSlot?: number;
  /**
   * True when `lastSlot` was passed over (skipped) rather than begun: a run
   * of the next slot then follows no ran slot. Absent otherwise.
   */
  readonly lastPassed?: boolean;
  /** The latest slot whose run ended, and how (`interrupted` included; a `skipped` one was never run and leaves this as it was). */
  readonly lastRun?: FinishedRun;
  /** Slots that started and did not end, oldest first. */
  readonly running: readonly RunningSlot[];
  /**
   * Slots whose run ended (any outcome but `interrupted` and `skipped`), as closed ranges
   * `[first, last]` of consecutive slots of the trigger, oldest first; every
   * slot of the trigger inside a range ran. At most {@link MAX_RAN_RANGES}
   * (the oldest are forgotten first). Backfill skips the slots they cover.
   */
  readonly ran: ReadonlyArray<readonly [number, number]>;
  /**
   * Set by an operator's `pause()` (a `pause` change), cleared by `resume()`;
   * survives restarts with a durable store. A `begin` of a `next` slot is
   * refused while it is set, so on a shared store no instance runs the
   * trigger's live slots, whichever instance paused it.
   */
  readonly paused?: boolean;
}

/** How many ranges of ran slots a record keeps. */
export const MAX_RAN_RANGES = 64;

/**
 * One change to a trigger's record; a store applies it with `applyChange()`
 * to its latest copy of the record, so every store decides the same way.
 *
 * - `begin` — a run of `slot` starts. `mode: "next"` — the slot after
 *   `lastSlot` (a live slot): refused when `slot <= lastSlot`,
 *   so on a shared store exactly one instance begins it (the claim); it moves
 *   `lastSlot` to `slot`. `mode: "retry"` — the rerun of an interrupted slot
 *   (`delivery: at-least-once`): refused unless `slot` is running with
 *   `attempt - 1`. `mode: "backfill"` — refused when a range of `ran` covers
 *   `slot` or it is running.
 * - `end` — the run of `slot` (attempt `attempt`) ended with `outcome`.
 *   `follows` (on the `begin`, kept in the running entry, or on the `end`)
 *   is the slot right before `slot` in the trigger's sequence, when the
 *   caller knows it: a range of `ran` ending there grows to `slot`.
 *   Refused when that run is not running (already ended).
 * - `pass` — slots up to `slot` were dealt with without running (skipped):
 *   moves `lastSlot` forward; refused when it would not move.
 * - `pause` — sets `paused`; refused when it already has that value.
 */
export type TriggerChange =
  | {
      readonly type: "begin";
      readonly key: string;
      readonly slot: number;
      readonly attempt: number;
      readonly mode: "next" | "retry" | "backfill";
      readonly at: number;
      readonly instance: string;
      readonly follows?: number;
    }
  | {
      readonly type: "end";
      readonly key: string;
      readonly slot: number;
      readonly attempt: number;
      readonly outcome: RunOutcome;
      readonly at: number;
      readonly follows?: number;
    }
  | { readonly type: "pass"; readonly key: string; readonly slot: number }
  | { readonly type: "pause"; readonly key: string; readonly paused: boolean };

/** What a store found when it loaded its data, beside the records. */
export interface StoreProblem {
  /** Stable code: `STORE_CORRUPT` (unreadable or invalid data, moved aside). */
  readonly code: "STORE_CORRUPT";
  /** Why, in the library's words. */
  readonly message: string;
  /** Where the unreadable data was moved (the file store: a path with a timestamp). */
  readonly movedTo?: string;
}

/** What {@link TriggerStore.load} returns. */
export interface StoreSnapshot {
  /** Every record, by key (`recordKey(agent, trigger)`). */
  readonly records: ReadonlyMap<string, TriggerRecord>;
  /** Set when the store could not read its data and started empty. */
  readonly problem?: StoreProblem;
}

/**
 * Where trigger state lives, so that slots are remembered across restarts:
 * which slot ran last and how it ended, which started and did not finish,
 * whether the trigger is paused. Without a store (the default) nothing is
 * remembered beyond the process. `MemoryTriggerStore` (state lasts as long
 * as the store object: tests), `FileTriggerStore` (one host, `state:
 * { file }`), and the NATS JetStream KV store (a cluster: `shared`, its
 * `begin` is the cluster-wide claim of a slot). Every store passes the
 * `storeContract` suite of `@acme/agent-orchestrator/testing`.
 *
 * The orchestrator calls `load()` once before any trigger is armed, then
 * `apply()` with the changes of each turn, in order; a change is decided by
 * `applyChange()` against the store's latest copy of the record.
 */
export interface TriggerStore {
  /** For log lines, health and errors: `memory`, `file ./var/state.json`, `nats kv ao-triggers`. */
  readonly description: string;
  /** True when several orchestrators share the store (a cluster): a `begin` then decides which instance runs a slot. */
  readonly shared: boolean;
  /**
   * Read every record. A store that cannot read its data says so in
   * `problem` and starts empty; it never overwrites data it could not read.
   *
   * @throws for a store that cannot be reached at all (its own error class, naming the store)
   */
  load(): Promise<StoreSnapshot>;
  /**
   * Apply `changes` in order; resolves once they are durable, with whether
   * each was accepted (`applyChange()` did not refuse it). Rejects when they
   * could not be made durable: then none of them counts as done.
   */
  apply(changes: readonly TriggerChange[]): Promise<boolean[]>;
  /** The record of `key` as the store has it now (a shared store reads it afresh). */
  get(key: string): Promise<TriggerRecord | undefined>;
  /** Finish pending writes and release resources. Idempotent. */
  close(): Promise<void>;
}

/**
 * The key of the record of `agent`'s trigger `trigger`: `<agent>:<trigger>`
 * (agent names have no `:`, so the pair is unambiguous), the tick key's prefix
 * without its last `:`.
 */
export function recordKey(agent: string, trigger: string): string {
  return `${agent}:${trigger}`;
}

/** A record with nothing in it. */
export const EMPTY_RECORD: TriggerRecord = Object.freeze({ running: Object.freeze([]), ran: Object.freeze([]) });
