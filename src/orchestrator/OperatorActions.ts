import { describeThrown } from "../errors/describeThrown.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { Logger } from "../logger.js";
import type { AgentRoster } from "./AgentRoster.js";
import type { Lifecycle } from "./Lifecycle.js";

/** The operator controls of an agent. */
export type OperatorAction = "enable" | "disable" | "restart";

/** What operator actions need from the orchestrator. */
export interface OperatorParts {
  readonly lifecycle: Lifecycle;
  readonly roster: AgentRoster;
  readonly logger: Logger;
  /** Whether `name` is an agent of the config whose module `start()` loads. */
  loadsModule(name: string): boolean;
}

/**
 * Operator actions (`enable`, `disable`, `restart`). Refused after shutdown
 * and before `start()`; for an agent whose module `start()` is still loading,
 * kept and applied once it has loaded (to its pending start, see
 * `AgentSupervisor.startInTurn`), in the order they were taken.
 */
export class OperatorActions {
  readonly #parts: OperatorParts;
  readonly #awaitingModules: Array<{ name: string; action: OperatorAction; by: string | undefined }> = [];

  constructor(parts: OperatorParts) {
    this.#parts = parts;
  }

  /**
   * Apply `action` to agent `name` now (or once its module has loaded).
   * `by` names who acted (the status page's `authorize` hook): it goes into the log line.
   */
  act(name: string, action: OperatorAction, by?: string): void {
    const { lifecycle, roster, logger } = this.#parts;
    if (lifecycle.stopping) throw new LifecycleError("SHUT_DOWN", `${action}("${name}") after shutdown`);
    if (lifecycle.phase === "idle") throw new LifecycleError("NOT_STARTED", `${action}("${name}") before start()`);
    const supervisor = roster.find(name);
    if (supervisor === undefined) {
      if (lifecycle.phase === "starting" && this.#parts.loadsModule(name)) {
        logger.info({ agent: name, action, ...byField(by) }, `operator: ${action} "${name}"${byText(by)} (applied once start() has loaded its module)`);
        this.#awaitingModules.push({ name, action, by });
        return;
      }
      throw new LifecycleError("UNKNOWN_AGENT", `${action}(): no agent named "${name}"; known agents: ${roster.listNames()}`);
    }
    logger.info({ agent: name, action, ...byField(by) }, `operator: ${action} "${name}"${byText(by)}`);
    supervisor[action]().catch((error: unknown) => logger.error({ agent: name, err: error }, `operator ${action}("${name}") failed: ${describeThrown(error)}`));
  }

  /** The modules have loaded: apply the actions kept meanwhile (dropped once shutdown has begun). */
  applyAwaiting(): void {
    const actions = this.#awaitingModules.splice(0);
    if (this.#parts.lifecycle.stopping) return;
    for (const { name, action, by } of actions) this.act(name, action, by);
  }
}

function byField(by: string | undefined): { by?: string } {
  return by === undefined ? {} : { by };
}

function byText(by: string | undefined): string {
  return by === undefined ? "" : ` by ${by}`;
}
