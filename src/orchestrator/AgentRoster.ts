import { LifecycleError } from "../errors/LifecycleError.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import { startOrder } from "../supervisor/tree/startOrder.js";

/**
 * The orchestrator's agents: one supervisor per name, in registration order,
 * and the order they start in: every agent after the agents it depends on
 * (`dependsOn`), registration order otherwise.
 */
export class AgentRoster {
  readonly #byName = new Map<string, AgentSupervisor>();
  readonly #order: AgentSupervisor[] = [];
  readonly #dependsOn: (agent: string) => readonly string[] | undefined;
  /** The start order once computed for the agents registered so far; undefined until asked for, and again after an agent is added. */
  #startOrder: readonly AgentSupervisor[] | undefined;

  /** @param dependsOn - the agents `agent` depends on (already checked: known agents, no cycle) */
  constructor(dependsOn: (agent: string) => readonly string[] | undefined = () => undefined) {
    this.#dependsOn = dependsOn;
  }

  /** Add an agent's supervisor after the others (the caller has refused duplicate names). */
  add(supervisor: AgentSupervisor): void {
    this.#byName.set(supervisor.name, supervisor);
    this.#order.push(supervisor);
    this.#startOrder = undefined;
  }

  /** Whether an agent named `name` is registered (never true for inherited names such as `constructor`). */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The supervisor of `name`, if registered. */
  find(name: string): AgentSupervisor | undefined {
    return this.#byName.get(name);
  }

  /** The supervisor of `name`; throws `UNKNOWN_AGENT` when there is none. */
  get(name: string): AgentSupervisor {
    const supervisor = this.#byName.get(name);
    if (supervisor === undefined) throw new LifecycleError("UNKNOWN_AGENT", `no agent named "${name}"`);
    return supervisor;
  }

  /** Every supervisor, in registration order. */
  get all(): readonly AgentSupervisor[] {
    return this.#order;
  }

  /**
   * Every supervisor in start order (stop order is its reverse), computed once
   * every agent is known (the first call after the last {@link AgentRoster.add}).
   * Without any `dependsOn` this is registration order: {@link AgentRoster.all} itself.
   */
  get inStartOrder(): readonly AgentSupervisor[] {
    this.#startOrder ??= this.#computeStartOrder();
    return this.#startOrder;
  }

  /** Every agent name, in registration order. */
  get names(): string[] {
    return this.#order.map((supervisor) => supervisor.name);
  }

  /** The known names for an error message: `a, b`, or `(none)`. */
  listNames(): string {
    return this.names.join(", ") || "(none)";
  }

  #computeStartOrder(): readonly AgentSupervisor[] {
    let ordered = false;
    const agents = this.#order.map(({ name }) => {
      const dependsOn = this.#dependsOn(name) ?? [];
      if (dependsOn.length > 0) ordered = true;
      return { name, dependsOn };
    });
    return ordered ? startOrder(agents).map((name) => this.get(name)) : this.#order;
  }
}
