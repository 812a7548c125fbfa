import type { ResolvedConfig } from "../config/ResolvedConfig.js";
import { getConfigSource } from "../config/ConfigSource.js";
import { ConfigChecker } from "../config/ConfigChecker.js";
import { childPath } from "../config/keyPath.js";
import type { LeaseView } from "../lease/LeaseStore.js";
import type { PlacedAgent } from "../lease/PlacementGate.js";
import type { ObservedLease } from "../observe/ObservedSource.js";
import { SingletonLeases, type SingletonLeasesParts } from "../lease/SingletonLeases.js";
import type { NormalizedRegistration } from "./registry.js";
import type { TriggerCoordinator } from "./TriggerCoordinator.js";

/**
 * The names of the singleton agents (`placement: singleton`): the config's
 * `agents.<name>.placement` wins over the placement given in code.
 */
export function singletonNames(config: ResolvedConfig, registrations: readonly NormalizedRegistration[]): Set<string> {
  const names = new Set<string>();
  for (const registration of registrations) {
    if ((config.agents[registration.name]?.placement ?? registration.placement) === "singleton") names.add(registration.name);
  }
  for (const [name, entry] of Object.entries(config.agents)) if (entry.placement === "singleton") names.add(name);
  return names;
}

/** A coordinator that can hold leases. */
type LeaseCoordinator = TriggerCoordinator & Required<Pick<TriggerCoordinator, "openLeases">>;

/**
 * The orchestrator's side of singleton placement: which agents are
 * singletons, the check that a coordinator can hold their leases, and the
 * lease keeper, opened at `start()` and closed at shutdown. Made only when
 * some agent is a singleton.
 */
export class OrchestratorLeases {
  readonly keeper: SingletonLeases;
  readonly #names: ReadonlySet<string>;
  readonly #coordinator: LeaseCoordinator;

  /**
   * The lease keeper for `names`, or `undefined` when there are none.
   *
   * @throws ConfigError when a singleton is placed without a coordinator that holds leases, naming the agent and what to add
   */
  static create(names: ReadonlySet<string>, config: ResolvedConfig, coordinator: TriggerCoordinator | undefined, parts: Omit<SingletonLeasesParts, "ttl">, source: unknown): OrchestratorLeases | undefined {
    if (names.size === 0) return undefined;
    if (coordinator?.openLeases === undefined) {
      const [first = ""] = names;
      const fromConfig = config.agents[first]?.placement === "singleton";
      // at the YAML position of the key when the config came from a file
      new ConfigChecker(fromConfig ? getConfigSource(source) : undefined).fail(
        fromConfig ? childPath(childPath("agents", first), "placement") : "agents",
        `agent ${JSON.stringify(first)} has placement "singleton", which runs it on one replica of a cluster at a time and needs a coordinator that holds leases; ` +
          `${coordinator === undefined ? "no coordinator was given" : "the coordinator given has no openLeases()"}: pass createOrchestrator({ coordinator: await createNatsCoordinator(...) }) ` +
          `from "@acme/agent-orchestrator/nats" (docs/cluster.md), or use placement "everywhere"`,
        { value: "singleton" },
      );
    }
    return new OrchestratorLeases(names, coordinator as LeaseCoordinator, { ...parts, ttl: config.lease.ttl });
  }

  private constructor(names: ReadonlySet<string>, coordinator: LeaseCoordinator, parts: SingletonLeasesParts) {
    this.#names = names;
    this.#coordinator = coordinator;
    this.keeper = new SingletonLeases(parts);
  }

  /** True for a singleton agent. */
  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** Keep the lease of `agent` (a singleton's supervisor). */
  add(agent: PlacedAgent): void {
    this.keeper.add(agent);
  }

  /** Open the lease store (at `start()`, before any agent starts) and begin keeping the leases. Rejects with the coordinator's error. */
  async open(): Promise<void> {
    const store = await this.#coordinator.openLeases({ ttl: this.keeper.timing.ttl });
    this.keeper.begin(store);
  }

  /** This replica's name, once the store is open. */
  get replica(): string | undefined {
    return this.keeper.instance;
  }

  /** `AgentStatus.lease` of `name`. */
  snapshot(name: string): LeaseView | undefined {
    return this.keeper.snapshot(name);
  }

  /** The lease of `name` for the status page, with this replica's name; `undefined` for an agent placed everywhere or nobody holding it. */
  statusLease(name: string): { readonly view: LeaseView; readonly replica: string } | undefined {
    const view = this.keeper.snapshot(name);
    const replica = this.keeper.instance;
    return view === undefined || replica === undefined ? undefined : { view, replica };
  }

  /** Per singleton, for the metrics. */
  figures(): ObservedLease[] {
    return this.keeper.figures();
  }

  /** Shutdown began: withdraw this replica's announcement (its leases go as its agents stop). */
  leaving(): void {
    this.keeper.leaving();
  }

  /** Stop keeping leases (after the agents stopped, before the coordinator closes). */
  close(): Promise<void> {
    return this.keeper.close();
  }
}
