import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { ResolvedTrigger, TickMessage } from "../schedule/ScheduleSpec.js";
import { isRunNowKey } from "./runNowKey.js";
import { recordKey, type RunOutcome, type StoreSnapshot, type TriggerChange, type TriggerRecord, type TriggerStore } from "./TriggerStore.js";

/** A store that decides changes synchronously (the memory and file stores): no promise per slot; `durable()` when writing follows. */
interface SyncStore extends TriggerStore {
  applyNow(changes: readonly TriggerChange[]): boolean[];
  durable?(): Promise<void>;
}

function isSync(store: TriggerStore): store is SyncStore {
  return typeof (store as Partial<SyncStore>).applyNow === "function";
}

/** A change waiting for the turn's write, and who waits for its answer. */
interface Pending {
  readonly change: TriggerChange;
  readonly settle: ((accepted: boolean) => void) | undefined;
  readonly fail: ((error: unknown) => void) | undefined;
}

/**
 * The orchestrator's side of a {@link TriggerStore}: turns what happens to
 * slots (begun, ended, passed over) into changes, and hands the store each
 * turn's changes in one `apply()` (one write for every trigger that fired in
 * the same turn). A store that decides synchronously (memory, file) costs no
 * promise per slot: its answer comes at once, its write follows
 * ({@link TriggerLedger.durable}). Record keys are made once per trigger.
 *
 * What a caller must wait for (`begin`, `claim`, `settle`) answers whether
 * the store accepted the change, and throws (or rejects) when the store could
 * not record it (logged here too): the slot must then not run. `end` and
 * `pass` are fire-and-forget; a failure is logged.
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
  /** A look at the current turn's write is scheduled (stores that write after deciding). */
  #watching = false;
  /** The write failure logged last (each failed write is logged once, however many waited for it). */
  #lastWriteError: unknown = undefined;

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
   * A run of `slot` is to start: whether the store accepted it (returned at
   * once by a memory store); only then may the slot run. `mode` and `attempt`
   * as in a `begin` change; `follows` (backfill) the slot right before it,
   * when known (for a `next` slot the ledger knows it).
   *
   * @throws (or rejects with) the store's error when the start could not be recorded
   */
  begin(agent: string, trigger: string, slot: number, at: number, mode: "next" | "retry" | "backfill", attempt = 1, follows?: number): boolean | Promise<boolean> {
    const key = recordKey(agent, trigger);
    const change: TriggerChange =
      follows === undefined ? { type: "begin", key, slot, attempt, mode, at, instance: this.instance } : { type: "begin", key, slot, attempt, mode, at, instance: this.instance, follows };
    return this.decide(change);
  }

  /**
   * Start a live slot of the trigger `name` (`trigger`, when known, says whether it starts durably): `go` runs once the store accepted its
   * start — at once when the store decides synchronously, after the write
   * when the trigger {@link TriggerLedger.startsDurably} — and not at all
   * when the store refused it (begun already) or could not record it (logged).
   */
  startLive(agent: string, name: string, trigger: ResolvedTrigger | undefined, slot: number, at: number, go: () => void): void {
    const begun = this.beginLive(agent, name, trigger, slot, at);
    if (begun === true) go();
    else if (begun !== false) void begun.then((accepted) => accepted && go());
  }

  /**
   * {@link TriggerLedger.startLive} without a callback: true when the slot
   * may run now (a store that decides synchronously accepted its start, and
   * the trigger does not start durably), false when it must not run (refused,
   * or not recorded: logged), else a promise of the same answer (never
   * rejected). The common case costs no closure and no promise.
   */
  beginLive(agent: string, name: string, trigger: ResolvedTrigger | undefined, slot: number, at: number): boolean | Promise<boolean> {
    let begun: boolean | Promise<boolean>;
    try {
      begun = this.begin(agent, name, slot, at, "next");
    } catch {
      return false; // logged: the slot does not run
    }
    if (begun === false) return false;
    if (begun === true) {
      if (trigger === undefined || !TriggerLedger.startsDurably(trigger)) return true;
      return this.durable().then(
        () => true,
        () => false,
      );
    }
    return begun.then(
      (accepted) => accepted,
      () => false,
    );
  }

  /**
   * Begin a slot handed over by catch-up or backfill: whether the store
   * accepted it, answered once the start is durable (such a slot always
   * starts durably).
   *
   * @throws (rejects with) the store's error when the start could not be recorded
   */
  async beginDurably(agent: string, trigger: string, slot: number, at: number, mode: "retry" | "backfill", attempt = 1, follows?: number): Promise<boolean> {
    if (!(await this.begin(agent, trigger, slot, at, mode, attempt, follows))) return false;
    await this.durable();
    return true;
  }

  /**
   * Resolves once every change decided so far is durable (at once for a
   * memory store); rejects when the write failed (logged by the store's caller).
   */
  durable(): Promise<void> {
    const sync = this.#sync;
    if (sync === undefined) return this.flush();
    return sync.durable?.() ?? Promise.resolve();
  }

  /**
   * Whether a slot of `trigger` may start only once its start is durable. A
   * start the host dies before writing makes the slot look missed at the next
   * start; that matters in two cases:
   *
   * - at-most-once with a catch-up window: the catch-up would run it again;
   * - at-least-once without a window: it would be neither rerun nor caught up.
   *
   * Otherwise (the default: at-most-once without a window — a missed slot is
   * not run; at-least-once with a window — catch-up runs it) the slot starts
   * at once and its start is written in the same turn, off the hot path.
   */
  static startsDurably(trigger: ResolvedTrigger): boolean {
    const window = (trigger.catchup?.window ?? 0) > 0;
    return trigger.delivery === "at-least-once" ? !window : window;
  }

  /**
   * Claim the catch-up of a trigger: slots up to `slot` are dealt with here
   * (a `pass` that only one instance of a cluster gets accepted).
   *
   * @throws (or rejects with) the store's error when it could not be recorded
   */
  claim(agent: string, trigger: string, slot: number): boolean | Promise<boolean> {
    return this.decide({ type: "pass", key: recordKey(agent, trigger), slot });
  }

  /**
   * Hand `change` to the store and answer whether it was accepted.
   *
   * @throws (or rejects with) the store's error when it could not be recorded
   */
  decide(change: TriggerChange): boolean | Promise<boolean> {
    const sync = this.#sync;
    if (sync !== undefined) return this.#now(sync, change, true);
    return new Promise<boolean>((settle, fail) => this.#queue({ change, settle, fail }));
  }

  /**
   * {@link TriggerLedger.decide}, answered once the change is durable: true
   * when the store accepted it and wrote it, false when it refused it. At
   * once (no promise) for a store that decides synchronously and keeps
   * nothing on disk (the memory store); after the write for the others.
   *
   * @throws (or rejects with) the store's error when the change could not be recorded or written (logged here too)
   */
  decideDurably(change: TriggerChange): boolean | Promise<boolean> {
    const decided = this.decide(change);
    // a store that decides asynchronously answers once its apply() has written the change
    if (decided instanceof Promise || !decided || this.#sync?.durable === undefined) return decided;
    return this.durable().then(() => true);
  }

  /**
   * The run of `tick` ended with `outcome` (left as started when the
   * orchestrator is shutting down and it was aborted by that). A run by
   * `runNow()` is not a slot: nothing is recorded for it.
   */
  end(tick: TickMessage, outcome: RunOutcome, at: number): void {
    if ((this.stopping && (outcome === "aborted" || outcome === "skipped")) || isRunNowKey(tick.key)) return;
    this.#submit({ type: "end", key: recordKey(tick.agent, tick.trigger), slot: tick.scheduledAt, attempt: tick.attempt ?? 1, outcome, at });
  }

  /** Slots up to `slot` of the trigger were dealt with without running (skipped). */
  pass(agent: string, trigger: string, slot: number): void {
    this.#submit({ type: "pass", key: recordKey(agent, trigger), slot });
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
    if (sync !== undefined) this.#now(sync, change, false);
    else this.#queue({ change, settle: undefined, fail: undefined });
  }

  #now(store: SyncStore, change: TriggerChange, rethrow: boolean): boolean {
    let accepted: boolean;
    try {
      accepted = store.applyNow([change])[0] === true;
    } catch (error) {
      this.#failed([change], error);
      if (rethrow) throw error;
      return false;
    }
    if (store.durable !== undefined && !this.#watching) {
      // one look per turn at whether the turn's write made it (a failed write is undone by the store)
      this.#watching = true;
      queueMicrotask(this.#watchWrite);
    }
    return accepted;
  }

  readonly #watchWrite = (): void => {
    this.#watching = false;
    this.#sync?.durable?.().catch((error: unknown) => this.#failed([], error));
  };

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
        for (const pending of batch) pending.fail?.(error);
        return;
      }
      batch.forEach((pending, index) => pending.settle?.(results[index] === true));
    });
  }

  #failed(changes: readonly TriggerChange[], error: unknown): void {
    if (changes.length === 0) {
      if (error === this.#lastWriteError) return;
      this.#lastWriteError = error;
      this.#logger.error({ store: this.store.description, err: error }, `trigger state: the store ${this.store.description} could not write: ${describeThrown(error)}`);
      return;
    }
    const begins = changes.filter((change) => change.type === "begin").length;
    this.#logger.error(
      { store: this.store.description, changes: changes.length, err: error },
      `trigger state: the store ${this.store.description} could not record ${changes.length} change(s): ${describeThrown(error)}` +
        (begins > 0 ? `; ${begins} slot(s) not run, since their start could not be recorded` : ""),
    );
  }
}
