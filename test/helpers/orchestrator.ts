import { Agent } from "../../src/agent/Agent.js";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import type { Logger } from "../../src/logger.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import type { OrchestratorOptions } from "../../src/orchestrator/OrchestratorOptions.js";
import { ORCHESTRATOR_EVENTS, type OrchestratorEventName, type OrchestratorEvents } from "../../src/supervisor/events.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

/** Start of fake time in these tests. */
export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A logger that keeps entries for assertions. */
export function memoryLogger(): Logger & { entries: Array<{ level: string; fields: object; message: string | undefined }> } {
  const entries: Array<{ level: string; fields: object; message: string | undefined }> = [];
  const at = (level: string) => (fields: object, message?: string) => void entries.push({ level, fields, message });
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Records every event of an orchestrator, in order. */
export function recordEvents(orch: Orchestrator): { [E in OrchestratorEventName]: Array<OrchestratorEvents[E]> } {
  const record = {} as { [E in OrchestratorEventName]: Array<OrchestratorEvents[E]> };
  for (const name of ORCHESTRATOR_EVENTS) {
    const list: unknown[] = [];
    (record as Record<string, unknown[]>)[name] = list;
    orch.on(name, (payload) => void list.push(payload));
  }
  return record;
}

/** A fresh orchestrator on a ManualClock, silent, not keeping the process alive. */
export function setup(
  options: Omit<OrchestratorOptions, "clock"> & { clock?: ManualClock; config?: OrchestratorConfig } = {},
): { orch: Orchestrator; clock: ManualClock; logger: ReturnType<typeof memoryLogger> } {
  const clock = options.clock ?? new ManualClock(T0);
  const logger = memoryLogger();
  const orch = createOrchestrator({ logger, keepAlive: false, random: () => 0, ...options, clock });
  return { orch, clock, logger };
}

/** An agent whose behaviour each test scripts through static hooks. */
export function scriptedAgent(name: string, script: {
  start?: (agent: Agent) => void | Promise<void>;
  stop?: (agent: Agent) => void | Promise<void>;
  onCron?: Agent["onCron"];
} = {}) {
  const instances: Agent[] = [];
  class Scripted extends Agent {
    static readonly agentName = name;
    constructor(context: ConstructorParameters<typeof Agent>[0]) {
      super(context);
      instances.push(this);
    }
    override start(): void | Promise<void> {
      return script.start?.(this);
    }
    override stop(): void | Promise<void> {
      return script.stop?.(this);
    }
    override onCron(tick: Parameters<Agent["onCron"]>[0]): void | Promise<void> {
      return script.onCron?.call(this, tick);
    }
  }
  return { Agent: Scripted, instances };
}

/** A promise that never settles. */
export const never = (): Promise<never> => new Promise<never>(() => undefined);
