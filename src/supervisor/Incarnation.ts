import type { Agent } from "../agent/Agent.js";
import { AgentBus } from "../agent/AgentBus.js";
import { ScopedClock } from "../agent/ScopedClock.js";
import type { Bus, Message, Subscription } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import type { AgentCounters } from "../stats/AgentCounters.js";

/**
 * One run of an agent, from construction to its end. It owns everything the
 * run acquired through the orchestrator, its bus view, its timers, its signal,
 * so that ending it leaves nothing behind and two incarnations of one agent
 * never run side by side.
 */
export class Incarnation {
  readonly controller = new AbortController();
  readonly clock: ScopedClock;
  readonly bus: AgentBus;
  readonly startedAt: number;
  /** Set when `start()` has settled successfully. */
  runningSince: number | undefined;
  /** Last `heartbeat()`, ms since the epoch. */
  lastBeat: number;
  instance: Agent | undefined;
  /** Extra resources to release at the end (the cron subscription, the cron runner). */
  readonly #cleanups: Array<() => void | Promise<void>> = [];
  #aborted = false;
  #disposed = false;
  readonly #ended: Promise<void>;
  #resolveEnded!: () => void;

  constructor(
    readonly number: number,
    name: string,
    clock: Clock,
    bus: Bus,
    counters: AgentCounters,
    onHandlerError: (error: unknown, message: Message) => void,
  ) {
    this.clock = new ScopedClock(clock);
    this.bus = new AgentBus(bus, name, counters, { onHandlerError });
    this.startedAt = clock.now();
    this.lastBeat = this.startedAt;
    this.#ended = new Promise<void>((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  /** True once the incarnation has been told to end (stop, crash, hang). */
  get ended(): boolean {
    return this.#aborted;
  }

  /** Resolves when the incarnation is told to end. */
  get whenEnded(): Promise<void> {
    return this.#ended;
  }

  /** Release `fn` with the incarnation's other resources. */
  own(subscription: Subscription): void;
  own(cleanup: () => void | Promise<void>): void;
  own(resource: Subscription | (() => void | Promise<void>)): void {
    this.#cleanups.push(typeof resource === "function" ? resource : () => resource.unsubscribe());
  }

  /** Abort the signal: the incarnation is ending (its `stop()` may still run). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.controller.abort(reason);
    this.#resolveEnded();
  }

  /** Abort, then close the bus view (pending messages dropped and counted), clear timers, run cleanups. */
  async dispose(reason: unknown): Promise<void> {
    this.abort(reason);
    if (this.#disposed) return;
    this.#disposed = true;
    this.clock.close();
    const pending: Array<void | Promise<void>> = [this.bus.close()];
    for (const cleanup of this.#cleanups.splice(0)) {
      try {
        pending.push(cleanup());
      } catch {
        // a failing cleanup must not keep the others from running
      }
    }
    await Promise.allSettled(pending.map((p) => Promise.resolve(p)));
  }
}
