import { LifecycleError } from "../errors/LifecycleError.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";

/** The orchestrator's agents: one supervisor per name, in registration (start) order. */
export class AgentRoster {
  readonly #byName = new Map<string, AgentSupervisor>();
  readonly #order: AgentSupervisor[] = [];

  /** Add an agent's supervisor after the others (the caller has refused duplicate names). */
  add(supervisor: AgentSupervisor): void {
    this.#byName.set(supervisor.name, supervisor);
    this.#order.push(supervisor);
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

  /** Every supervisor, in start order. */
  get all(): readonly AgentSupervisor[] {
    return this.#order;
  }

  /** Every agent name, in start order. */
  get names(): string[] {
    return this.#order.map((supervisor) => supervisor.name);
  }

  /** The known names for an error message: `a, b`, or `(none)`. */
  listNames(): string {
    return this.names.join(", ") || "(none)";
  }
}
