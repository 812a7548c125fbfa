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
  /** Shutdown began: this replica withdraws from the singletons' balance (its leases go as its agents stop). */
  leaveCluster(): void;
  /** Stop keeping singleton leases (after the agents stopped and released theirs), before the coordinator closes. */
  closeLeases(): Promise<void>;
  /** Write the trigger state still pending and close the store the orchestrator made. */
  closeState(): Promise<void>;
  /** Stop the orchestrator's own timers (liveness loop, keep-alive). */
  stopTimers(): void;
  /** The end: emit `shutdown` and settle `closed`. */
  finish(info: ClosedInfo): void;
}

/** How one run of the sequence waits. */
export interface ShutdownBudget {
  /** The whole budget, in ms on the clock. */
  readonly timeout: number;
  /** How long to wait before stopping anything, in ms (0: no drain). Counted inside `timeout`. */
  readonly drain: number;
}

/** Least time the trigger state gets to write what is pending at shutdown, even past the budget (not after a cut). */
const STATE_CLOSE_FLOOR_MS = 2_000;

/**
 * The stop sequence of a shutdown or a fail-stop, run once: drain (wait while
 * readiness fails and everything still runs), stop the triggers and pending
 * restarts, flush the bus, stop the agents in reverse order with deadlines,
 * flush again, close the bus (when owned) and the coordinator, then finish.
 * Everything waits at most the sequence's budget on the clock, and nothing
 * more once {@link ShutdownSequence.cut} was called.
 */
export class ShutdownSequence {
  readonly #parts: ShutdownParts;
  #running: Promise<void> | undefined;
  #cutWaits!: () => void;
  /** Settles when the waits are cut: every wait races it. */
  readonly #cut = new Promise<void>((resolve) => (this.#cutWaits = resolve));
  #isCut = false;

  constructor(parts: ShutdownParts) {
    this.#parts = parts;
  }

  /**
   * Stop waiting for the remaining deadlines (an aborted shutdown signal): the
   * drain ends, every later wait gets no time, agents still running are
   * abandoned; the sequence still runs to its end.
   */
  cut(): void {
    if (this.#isCut) return;
    this.#isCut = true;
    this.#parts.logger.warn({}, "shutdown aborted: no longer waiting for the remaining deadlines");
    this.#cutWaits();
  }

  /** The sequence in progress or done, once it has begun. */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** Begin the sequence (a second call joins the first). */
  run(reason: string, failed: boolean, budget: ShutdownBudget): Promise<void> {
    this.#running ??= this.#stopAll(reason, failed, budget);
    return this.#running;
  }

  async #stopAll(reason: string, failed: boolean, { timeout, drain }: ShutdownBudget): Promise<void> {
    await Promise.resolve();
    const { clock, logger, bus, stopTimeout } = this.#parts;
    const deadline = clock.now() + timeout;
    const remaining = (): number => (this.#isCut ? 0 : Math.max(0, deadline - clock.now()));
    this.#parts.leaveCluster();
    if (drain > 0 && !this.#isCut) {
      logger.info({ drainDelay: drain, reason }, `draining: readiness fails from now on; agents stop in ${formatDuration(drain)}`);
      await this.#within(this.#cut, drain);
    }
    this.#parts.stopTriggers();
    for (const supervisor of this.#parts.supervisors()) supervisor.cancelRestart();

    // Deliver what is queued. Handler calls already running get at most one
    // stopTimeout to finish here: one that waits for its agent's signal (a long
    // poll) must not eat the budget of the stops that would end it. Messages
    // still queued when an agent stops are dropped and counted.
    await this.#flush(Math.min(stopTimeout, remaining()));
    for (const supervisor of [...this.#parts.supervisors()].reverse()) {
      // after a cut, a stop under way ends at its own deadline without being waited for; later ones get no time
      await Promise.race([supervisor.stop(supervisor.state === "disabled" ? "disabled" : "stopped", Math.min(stopTimeout, remaining())), this.#cut]);
    }
    // messages published by stop(): flush until quiet, within the deadline
    await this.#flush(remaining());
    if (this.#parts.ownsBus) await this.#within(bus.close(), remaining());
    await this.#within(this.#parts.closeLeases(), remaining());
    const coordinator = this.#parts.coordinator;
    if (coordinator?.close !== undefined) await this.#within(coordinator.close(), remaining());
    // the trigger state gets a moment even when the stops took the whole budget: what it has not written comes back as interrupted
    await this.#within(this.#parts.closeState(), this.#isCut ? 0 : Math.max(remaining(), STATE_CLOSE_FLOOR_MS));

    if (clock.now() >= deadline && !this.#isCut) logger.warn({ timeout }, `shutdown took its whole budget of ${formatDuration(timeout)}`);
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
      return await Promise.race([settled, timeout, this.#cut.then(() => false)]);
    } finally {
      clock.clearTimeout(timer);
    }
  }
}
