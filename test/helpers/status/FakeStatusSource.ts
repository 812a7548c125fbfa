import type { BusStats, QueueDepth } from "../../../src/bus/Bus.js";
import type { HealthReport } from "../../../src/observe/Health.js";
import type { OrchestratorPhase } from "../../../src/orchestrator/OrchestratorPhase.js";
import type { StatusAction, StatusAgent, StatusSource, TriggerView } from "../../../src/status/StatusSource.js";
import { ManualClock } from "../../../src/testing/ManualClock.js";

/** A hand-made {@link StatusSource}: the test sets what the page reads and sees what it asked for. */
export class FakeStatusSource implements StatusSource {
  readonly clock = new ManualClock(new Date("2026-03-02T09:00:00Z"));
  phaseNow: OrchestratorPhase = "running";
  ready = true;
  agentList: StatusAgent[] = [];
  triggerViews = new Map<string, TriggerView[]>();
  stats: BusStats | undefined = { published: 0, delivered: 0, dropped: 0, pending: 0, handlerErrors: 0 };
  queueList: QueueDepth[] = [];
  /** Every action asked for, with who acted. */
  readonly acted: Array<{ action: StatusAction; actor: string }> = [];
  /** Thrown by `act()` when set. */
  failWith: Error | undefined;

  phase(): OrchestratorPhase {
    return this.phaseNow;
  }

  health(): HealthReport {
    return { ok: this.ready, status: this.ready ? 200 : 503, agents: {} };
  }

  agents(): readonly StatusAgent[] {
    return this.agentList;
  }

  triggers(agent: string): readonly TriggerView[] {
    return this.triggerViews.get(agent) ?? [];
  }

  busStats(): BusStats | undefined {
    return this.stats;
  }

  queues(limit: number): readonly QueueDepth[] {
    return this.queueList.slice(0, limit);
  }

  act(action: StatusAction, actor: string): void {
    if (this.failWith !== undefined) throw this.failWith;
    this.acted.push({ action, actor });
  }
}

const DATA_PATH: readonly string[] = Object.freeze(["data"]);

/** A running agent named `name` (group data) for {@link FakeStatusSource.agentList}. */
export function runningAgent(name: string, extra: Partial<StatusAgent> = {}): StatusAgent {
  return { status: { name, group: "data", path: DATA_PATH, state: "running", restarts: 0, crashes: 0 }, critical: false, ...extra };
}
