import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { TickMessage } from "../schedule/ScheduleSpec.js";
import { recordKey, type RunOutcome, type StoreSnapshot, type TriggerChange, type TriggerRecord, type TriggerStore } from "./TriggerStore.js";

/** A store that can decide changes synchronously (the memory store): no promise per slot. */
interface SyncStore extends TriggerStore {
  applyNow(changes: readonly TriggerChange[]): boolean[];
}

function isSync(store: TriggerStore): store is SyncStore {
  return typeof (store as Partial<SyncStore>).applyNow === "function";
}

/** A change waiting for the turn's write, and who waits for its answer. */
interface Pending {
  readonly change: TriggerChange;
  readonly settle: ((accepted: boolean) => void) | undefined;
}

/** What the ledger knows of the last `next` slot it handled per record, to tell the store which slot a run follows. */
interface Trail {
  /** The last slot begun (`next`) or passed over. */
  slot: number;
  /** True when that slot was begun (so a run of the next slot follows it). */
  begun: boolean;
}

/**
 * The orchestrator's side of a {@link TriggerStore}: turns what happens to
 * slots (begun, ended, passed over) into changes, and hands the store each
 * turn's changes in one `apply()` (one write for every trigger that fired in
 * the same turn). A memory store decides synchronously, so a slot costs no
 * promise. Remembers, per record, the slot a new run follows (for the store's
 * ranges of ran slots) and, per run in flight, which slot it followed.
 */
export class TriggerLedger {
  /** The store. */
  readonly store: TriggerStore;
  /** This orchestrator's name in `begin` changes (a shared store tells instances apart by it). */
  readonly instance: string;
  /** Set when the orchestrator shuts down: runs ended by it are left as started (interrupted, for the next start to handle). */
  stopping = false;
  readonly #logger: Logger;
  readonly #sync: SyncStore | undefined;
  #pending: Pending[] = [];
  #writing: Promise<void> = Promise.resolve();
  #scheduled = false;
  readonly #trails = new Map<string, Trail>();
  /** The slot each run in flight follows, by `<tick key>#<attempt>`. */
  readonly #follows = new Map<string, number>();

  constructor(store: TriggerStore, instance: string, logger: Logger) {
    this.store = store;
    this.instance = instance;
    this.#logger = logger;
    this.#sync = isSync(store) ? store : undefined;
  }

  /** Read the store (once, before triggers are armed). */
  load(): Promise<StoreSnapshot> {
    return this.store.load();
  }

  /**
   * A run of `slot` is to start: resolves (or returns, for a memory store)
   * whether the store accepted it; only then may the slot run. `mode` and
   * `attempt` as in a `begin` change; `follows` (backfill) the slot right
   * before it, when known.
   */
  begin(agent: string, trigger: string, slot: number, at: number, mode: "next" | "retry" | "backfill", attempt = 1, follows?: number): boolean | Promise<boolean> {
    const key = recordKey(agent, trigger);
    let before = follows;
    if (mode === "next") {
      const trail = this.#trails.get(key);
      before = trail !== undefined && trail.begun && trail.slot < slot ? trail.slot : undefined;
      if (trail === undefined) this.#trails.set(key, { slot, begun: true });
      else if (trail.slot < slot) {
        trail.slot = slot;
        trail.begun = true;
      }
    }
    const id = before === undefined ? undefined : `${key}:${new Date(slot).toISOString()}#${attempt}`;
    if (id !== undefined) this.#follows.set(id, before as number);
    const change: TriggerChange = { type: "begin", key, slot, attempt, mode, at, instance: this.instance };
    const sync = this.#sync;
    if (sync !== undefined) {
      const accepted = this.#now(sync, change);
      if (!accepted && id !== undefined) this.#follows.delete(id);
      return accepted;
    }
    return new Promise<boolean>((settle) =>
      this.#queue({
        change,
        settle: (accepted) => {
          if (!accepted && id !== undefined) this.#follows.delete(id);
          settle(accepted);
        },
      }),
    );
  }

  /** The run of `tick` ended with `outcome` (left as started when the orchestrator is shutting down and it was aborted by that). */
  end(tick: TickMessage, outcome: RunOutcome, at: number): void {
    if (this.stopping && (outcome === "aborted" || outcome === "skipped")) return;
    const attempt = tick.attempt ?? 1;
    const id = `${tick.key}#${attempt}`;
    const follows = this.#follows.get(id);
    if (follows !== undefined) this.#follows.delete(id);
    const change: TriggerChange = { type: "end", key: recordKey(tick.agent, tick.trigger), slot: tick.scheduledAt, attempt, outcome, at, ...(follows === undefined ? {} : { follows }) };
    this.#submit(change);
  }

  /** Slots up to `slot` of the trigger were dealt with without running (skipped). */
  pass(agent: string, trigger: string, slot: number): void {
    const key = recordKey(agent, trigger);
    const trail = this.#trails.get(key);
    if (trail === undefined) this.#trails.set(key, { slot, begun: false });
    else if (trail.slot <= slot) {
      trail.slot = slot;
      trail.begun = false;
    }
    this.#submit({ type: "pass", key, slot });
  }

  /** Set the paused flag of a trigger. */
  pause(agent: string, trigger: string, paused: boolean): Promise<boolean> | boolean {
    const change: TriggerChange = { type: "pause", key: recordKey(agent, trigger), paused };
    const sync = this.#sync;
    if (sync !== undefined) return this.#now(sync, change);
    return new Promise<boolean>((settle) => this.#queue({ change, settle }));
  }

  /** The record of a trigger as the store has it now. */
  get(agent: string, trigger: string): Promise<TriggerRecord | undefined> {
    return this.store.get(recordKey(agent, trigger));
  }

  /** Resolves once every change submitted so far has been applied (or failed and was logged). */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#scheduled) {
      this.#write();
      await this.#writing;
    }
    await this.#writing;
  }

  #submit(change: TriggerChange): void {
    const sync = this.#sync;
    if (sync !== undefined) this.#now(sync, change);
    else this.#queue({ change, settle: undefined });
  }

  #now(store: SyncStore, change: TriggerChange): boolean {
    try {
      return store.applyNow([change])[0] === true;
    } catch (error) {
      this.#failed([change], error);
      return false;
    }
  }

  #queue(pending: Pending): void {
    this.#pending.push(pending);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#flushTurn);
  }

  readonly #flushTurn = (): void => this.#write();

  /** Hand the pending changes to the store in one `apply()`, after the previous one. */
  #write(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.#writing = this.#writing.then(async () => {
      let results: boolean[];
      try {
        results = await this.store.apply(batch.map((pending) => pending.change));
      } catch (error) {
        this.#failed(
          batch.map((pending) => pending.change),
          error,
        );
        for (const pending of batch) pending.settle?.(false);
        return;
      }
      batch.forEach((pending, index) => pending.settle?.(results[index] === true));
    });
  }

  #failed(changes: readonly TriggerChange[], error: unknown): void {
    const begins = changes.filter((change) => change.type === "begin").length;
    this.#logger.error(
      { store: this.store.description, changes: changes.length, err: error },
      `trigger state: the store ${this.store.description} could not record ${changes.length} change(s): ${describeThrown(error)}` +
        (begins > 0 ? `; ${begins} slot(s) not run, since their start could not be recorded` : ""),
    );
  }
}
