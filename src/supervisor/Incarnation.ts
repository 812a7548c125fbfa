import type { Agent } from "../agent/Agent.js";
import { AgentBus, type AgentBusHooks } from "../agent/AgentBus.js";
import { ScopedClock } from "../agent/ScopedClock.js";
import type { Bus, Message, Subscription } from "../bus/Bus.js";
import { endSubscription } from "../bus/delivery/BusSubscription.js";
import { isThenable } from "../check.js";
import type { Clock } from "../clock.js";
import type { AgentCounters, CrashReason } from "../stats/AgentCounters.js";
import { LeasedAgentBus } from "../lease/LeasedAgentBus.js";
import type { LeaseView } from "../lease/LeaseStore.js";

const noop = (): void => undefined;
/** The settled promise of a second dispose. */
const DONE: Promise<void> = Promise.resolve();

/** Who an {@link Incarnation} reports its crashes to: its agent's supervisor. */
export interface IncarnationOwner {
  /** A crash of `incarnation` (ignored once it has ended). */
  crashCurrent(incarnation: Incarnation, reason: CrashReason, error: unknown): void;
}

/**
 * One run of an agent, from construction to its end. It owns everything the
 * run acquired through the orchestrator, its bus view, its timers, its signal,
 * so that ending it leaves nothing behind and two incarnations of one agent
 * never run side by side.
 *
 * What only some runs use is made on first use: the signal (an
 * `AbortController` with its listener maps) when the agent, a trigger run or a
 * retry reads it, the reason it is aborted with when the signal exists, the
 * list of extra cleanups with the first one. The bus view is closed and the
 * timers cleared at the end all the same.
 */
export class Incarnation implements AgentBusHooks {
  readonly number: number;
  readonly clock: ScopedClock;
  readonly bus: AgentBus;
  readonly startedAt: number;
  /** Set when `start()` has settled successfully. */
  runningSince: number | undefined;
  /** Last `heartbeat()`, ms since the epoch. */
  lastBeat: number;
  instance: Agent | undefined;
  readonly #owner: IncarnationOwner;
  #controller: AbortController | undefined;
  /** Why the incarnation ended, or (until someone asks) how to build that reason. */
  #reason: { value: unknown } | { make: () => unknown } | undefined;
  /** Extra resources to release at the end (the cron subscription, the cron runner): a few, so copied on add at their exact length. */
  #cleanups: ReadonlyArray<Subscription | (() => void | Promise<void>)> | undefined;
  /** Called once when the incarnation is told to end (see {@link Incarnation.onEnd}). */
  #onEnd: (() => void) | undefined;
  #disposed = false;

  /** @param lease - a singleton's lease while it runs here: its messages carry the fencing token ({@link LeasedAgentBus}) */
  constructor(number: number, name: string, clock: Clock, bus: Bus, counters: AgentCounters, owner: IncarnationOwner, lease?: LeaseView) {
    this.number = number;
    this.#owner = owner;
    this.clock = new ScopedClock(clock);
    this.bus = lease === undefined ? new AgentBus(bus, name, counters, this) : new LeasedAgentBus(bus, name, counters, this, lease);
    this.startedAt = clock.now();
    this.lastBeat = this.startedAt;
  }

  /** True once the incarnation has been told to end (stop, crash, hang). */
  get ended(): boolean {
    return this.#reason !== undefined;
  }

  /** Aborted when the incarnation is told to end, with the reason it ended for. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reasonValue());
    }
    return this.#controller.signal;
  }

  /** Report a crash of this incarnation to its supervisor (ignored once it has ended). */
  crash(reason: CrashReason, error: unknown): void {
    this.#owner.crashCurrent(this, reason, error);
  }

  /** A handler subscribed through the bus view threw or rejected: a crash. */
  onHandlerError(error: unknown, _message: Message): void {
    this.#owner.crashCurrent(this, "error", error);
  }

  /** Record a `heartbeat()` (ignored once ended). */
  beat(): void {
    if (this.#reason === undefined) this.lastBeat = this.clock.now();
  }

  /**
   * Call `listener` once when the incarnation is told to end (at once when it
   * has); `undefined` removes it. One listener at a time: the start of the
   * incarnation waits with it.
   */
  onEnd(listener: (() => void) | undefined): void {
    if (listener !== undefined && this.#reason !== undefined) return listener();
    this.#onEnd = listener;
  }

  /** Release `fn` with the incarnation's other resources. */
  own(subscription: Subscription): void;
  own(cleanup: () => void | Promise<void>): void;
  own(resource: Subscription | (() => void | Promise<void>)): void {
    const old = this.#cleanups;
    if (old === undefined) {
      this.#cleanups = [resource];
      return;
    }
    // not `[...old, resource]`: V8 copies the spread and then grows it for the last element (20 slots)
    const next = new Array<Subscription | (() => void | Promise<void>)>(old.length + 1);
    for (let i = 0; i < old.length; i++) next[i] = old[i] as Subscription | (() => void | Promise<void>);
    next[old.length] = resource;
    this.#cleanups = next;
  }

  /** Abort the signal with `reason`: the incarnation is ending (its `stop()` may still run). */
  abort(reason: unknown): void {
    this.#end({ value: reason });
  }

  /** {@link Incarnation.abort} with a reason built only when someone reads it (no one holds the signal yet). */
  abortLazily(makeReason: () => unknown): void {
    this.#end({ make: makeReason });
  }

  /**
   * Abort (with `reason`, unless the incarnation has ended already), then close
   * the bus view (pending messages dropped and counted), clear timers, run cleanups.
   */
  dispose(reason?: unknown): Promise<void> {
    this.#end({ value: reason });
    if (this.#disposed) return DONE;
    this.#disposed = true;
    this.clock.close();
    const closing = this.bus.end();
    const cleanups = this.#cleanups;
    this.#cleanups = undefined;
    // only what returns a promise (a networked bus, an asynchronous cleanup) is waited for
    let pending: Array<Promise<unknown>> | undefined = closing === undefined ? undefined : [closing];
    if (cleanups !== undefined) {
      for (const cleanup of cleanups) {
        try {
          const ended = typeof cleanup === "function" ? cleanup() : endSubscription(cleanup);
          if (isThenable(ended)) (pending ??= []).push(Promise.resolve(ended));
        } catch {
          // a failing cleanup must not keep the others from running
        }
      }
    }
    return pending === undefined ? DONE : Promise.allSettled(pending).then(noop);
  }

  /**
   * {@link Incarnation.dispose} without waiting: what is asynchronous in the
   * release (a networked bus's unsubscribe) finishes in the background; no
   * promise is made when nothing is.
   */
  release(reason: unknown): void {
    const ending = this.dispose(reason);
    if (ending !== DONE) ending.catch(noop);
  }

  #end(reason: { value: unknown } | { make: () => unknown }): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    if (this.#controller !== undefined) this.#controller.abort(this.#reasonValue());
    const listener = this.#onEnd;
    this.#onEnd = undefined;
    listener?.();
  }

  #reasonValue(): unknown {
    const reason = this.#reason;
    if (reason === undefined) return undefined;
    if ("make" in reason) this.#reason = { value: reason.make() };
    return (this.#reason as { value: unknown }).value;
  }
}
