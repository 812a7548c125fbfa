import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { createTriggerSource } from "../schedule/createTriggerSource.js";
import type { TickSink, TriggerSource } from "../schedule/TriggerSource.js";
import type { TriggerTarget } from "../schedule/TriggerTarget.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { HistogramData } from "../stats/HistogramData.js";

/** What the scheduler reads from the orchestrator. */
export interface SchedulerSourceParts {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The counters of an agent (fired and skipped slots). */
  counters(agent: string): AgentCounters;
  /** Receives how late each slot fired, in seconds. */
  readonly lateness: HistogramData;
  /** Whether an agent can take a tick now (its slots are skipped otherwise). */
  isActive(agent: string): boolean;
  /** Slots up to `slot` of a trigger were skipped (recorded in the trigger store, when there is one). */
  readonly passed?: (agent: string, trigger: string, slot: number) => void;
  /** Whether catch-up runs the slot of an `at` already past when armed. */
  readonly caughtUp?: (agent: string, trigger: string) => boolean;
  /** False when slots are counted fired once a trigger store accepted them (by the wiring), not by the scheduler. */
  readonly countFired?: boolean;
}

/**
 * The orchestrator's {@link TriggerSource}: built from the registered trigger
 * kinds (the scheduler for every time-based kind, and the source each other
 * kind brings). The one place the orchestrator constructs it. With `target`
 * (direct delivery), the scheduler resolves each trigger's agent once and
 * hands it its slots (see `SchedulerOptions.target`).
 */
export function schedulerSource(parts: SchedulerSourceParts, sink: TickSink, target?: (agent: string) => TriggerTarget): TriggerSource {
  return createTriggerSource({
    ...(target === undefined ? {} : { target }),
    clock: parts.clock,
    logger: parts.logger,
    counters: (agent) => parts.counters(agent),
    lateness: parts.lateness,
    isActive: (agent) => parts.isActive(agent),
    fire: sink,
    ...(parts.passed === undefined ? {} : { passed: parts.passed }),
    ...(parts.caughtUp === undefined ? {} : { caughtUp: parts.caughtUp }),
    ...(parts.countFired === undefined ? {} : { countFired: parts.countFired }),
  });
}
