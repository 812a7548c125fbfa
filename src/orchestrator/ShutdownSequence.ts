import type { Bus } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import { formatDuration } from "../duration.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { ClosedInfo } from "./Orchestrator.js";
import type { TriggerCoordinator } from "./TriggerCoordinator.js";

/** How many times the bus is flushed while flushing publishes more. */
const FLUSH_ROUNDS = 5;

/** What the stop sequence stops, and how it reports the end. */
export interface ShutdownParts {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus: Bus;
  /** The orchestrator created the bus: it closes it. */
  readonly ownsBus: boolean;
  readonly coordinator: TriggerCoordinator | undefined;
  /** Each agent's `stop()` gets at most this, in ms (and never more than the budget left). */
  readonly stopTimeout: number;
  /** The supervisors, in start order (they stop in reverse). */
  supervisors(): readonly AgentSupervisor[];
  /** Stop the trigger source: no slot fires any more. */
  stopTriggers(): void;
  /** Stop the orchestrator's own timers (liveness loop, keep-alive). */
  stopTimers(): void;
  /** The end: emit `shutdown` and settle `closed`. */
  finish(info: ClosedInfo): void;
}

/**
 * The stop sequence of a shutdown or a fail-stop, run once: stop the triggers
 * and pending restarts, flush the bus, stop the agents in reverse order with
 * deadlines, flush again, close the bus (when owned) and the coordinator, then
 * finish. Everything waits at most the sequence's budget on the clock.
 */
export class ShutdownSequence {
  readonly #parts: ShutdownParts;
  #running: Promise<void> | undefined;

  constructor(parts: ShutdownParts) {
    this.#parts = parts;
  }

  /** The sequence in progress or done, once it has begun. */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** Begin the sequence (a second call joins the first); `timeout` is its whole budget in ms. */
  run(reason: string, failed: boolean, timeout: number): Promise<void> {
    this.#running ??= this.#stopAll(reason, failed, timeout);
    return this.#running;
  }

  async #stopAll(reason: string, failed: boolean, timeout: number): Promise<void> {
    await Promise.resolve();
    const { clock, logger, bus, stopTimeout } = this.#parts;
    const deadline = clock.now() + timeout;
    const remaining = (): number => Math.max(0, deadline - clock.now());
    this.#parts.stopTriggers();
    for (const supervisor of this.#parts.supervisors()) supervisor.cancelRestart();

    // Deliver what is queued. Handler calls already running get at most one
    // stopTimeout to finish here: one that waits for its agent's signal (a long
    // poll) must not eat the budget of the stops that would end it. Messages
    // still queued when an agent stops are dropped and counted.
    await this.#flush(Math.min(stopTimeout, remaining()));
    for (const supervisor of [...this.#parts.supervisors()].reverse()) {
      await supervisor.stop(supervisor.state === "disabled" ? "disabled" : "stopped", Math.min(stopTimeout, remaining()));
    }
    // messages published by stop(): flush until quiet, within the deadline
    await this.#flush(remaining());
    if (this.#parts.ownsBus) await this.#within(bus.close(), remaining());
    const coordinator = this.#parts.coordinator;
    if (coordinator?.close !== undefined) await this.#within(coordinator.close(), remaining());

    if (clock.now() >= deadline) logger.warn({ timeout }, `shutdown took its whole budget of ${formatDuration(timeout)}`);
    this.#parts.stopTimers();
    this.#parts.finish({ reason, failed });
  }

  async #flush(budget: number): Promise<void> {
    const bus = this.#parts.bus;
    const published = (): number => bus.stats?.().published ?? -1;
    for (let round = 0; round < FLUSH_ROUNDS; round++) {
      const before = published();
      const done = await this.#within(bus.flush(), budget);
      if (!done || published() === before) return;
    }
  }

  /** Wait for `promise` at most `ms` on the clock; true when it settled in time (a rejection is logged). */
  async #within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    const { clock, logger } = this.#parts;
    let timer: unknown;
    const timeout = new Promise<false>((resolve) => {
      timer = clock.setTimeout(() => resolve(false), ms);
    });
    const settled = promise.then(
      () => true,
      (error: unknown) => {
        logger.warn({ err: error }, `during shutdown: ${describeThrown(error)}`);
        return true;
      },
    );
    try {
      return await Promise.race([settled, timeout]);
    } finally {
      clock.clearTimeout(timer);
    }
  }
}
