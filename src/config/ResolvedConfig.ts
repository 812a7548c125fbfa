import type { BackoffStrategy } from "../supervisor/backoff.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import type { SchedulerDefaults } from "./schedulerDefaults.js";

/** A validated restart policy. */
export type ResolvedRestartPolicy = { readonly kind: "always" } | { readonly kind: "fail-stop" } | { readonly kind: "max"; readonly max: number };

/**
 * How a group restarts its children when one of them crashes and is to be
 * restarted (OTP's strategies): `one_for_one` — that child alone (the
 * default); `one_for_all` — every child, stopped in reverse start order and
 * started again in order once the crashed child's back-off ends;
 * `rest_for_one` — the crashed child and every child started after it.
 */
export type GroupStrategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** Every {@link GroupStrategy}. */
/** Where an agent runs: `in-process` on the host's event loop, `thread` in a worker thread of its own. */
export type Isolation = "in-process" | "thread";

/** Every {@link Isolation} value. */
export const ISOLATIONS = ["in-process", "thread"] as const satisfies readonly Isolation[];

/**
 * Where in a cluster an agent runs: `everywhere` on every replica (each runs
 * its own instance), `singleton` on the one replica holding its lease
 * (docs/cluster.md).
 */
export type Placement = "everywhere" | "singleton";

/** Every {@link Placement} value. */
export const PLACEMENTS = ["everywhere", "singleton"] as const satisfies readonly Placement[];

export const GROUP_STRATEGIES = ["one_for_one", "one_for_all", "rest_for_one"] as const satisfies readonly GroupStrategy[];

/** The deepest a group may sit in the tree: a top-level group has depth 1. */
export const MAX_GROUP_DEPTH = 8;

/** A validated group, built-ins merged with `groups:` key by key. */
export interface ResolvedGroup {
  /** The group's name (`data`, `strategy`, `critical` or a key of `groups:`). */
  readonly name: string;
  /** The group it belongs to; absent for a top-level group (a child of the implicit root). */
  readonly parent?: string;
  /** Group names from the top-level group down to this one (this one last): `["desk", "trading"]`. */
  readonly path: readonly string[];
  /** How a crash of one child affects its siblings. @default "one_for_one" */
  readonly strategy: GroupStrategy;
  /**
   * More than `maxRestarts` restarts of the group's children inside `within`
   * (ms) fails the group as a whole (OTP's intensity and period); absent: the
   * group never fails as a whole.
   */
  readonly intensity?: { readonly maxRestarts: number; readonly within: number };
  /** What a crash leads to. */
  readonly restart: ResolvedRestartPolicy;
  /** More than `maxCrashes` crashes inside `within` (ms) disables the agent. */
  readonly crashLoop: { readonly maxCrashes: number; readonly within: number };
  /** The failure of a streak that escalates to the chief. */
  readonly escalateAfter: number;
  /** Whether health requires the group's agents to be up. */
  readonly critical: boolean;
  /**
   * The group's back-off strategy, when given in code; absent means the
   * exponential back-off of `supervisor.backoff` (the only one YAML can name).
   */
  readonly backoff?: BackoffStrategy;
}

/** A validated `agents.<name>` entry. */
export interface ResolvedAgentEntry {
  /** The group from the config; absent when the config names none (the code registration's group, else `data`, applies). */
  readonly group?: string;
  /** Absolute module specifier (a `file:` URL for paths, resolved against the config file, or a package specifier). */
  readonly module?: string;
  /** Named export of `module`; absent for the default export. */
  readonly export?: string;
  /** `false`: registered but not started. */
  readonly enabled: boolean;
  /** ms; absent when there is no heartbeat check. */
  readonly heartbeatTimeout?: number;
  /** The agent's `this.config`, as written. */
  readonly config?: unknown;
  /** Agents that must be running before this one starts (start order is topological; stop order its reverse). */
  readonly dependsOn?: readonly string[];
  /** Where the agent runs; absent when the config does not say (the code registration's, else `in-process`, applies). */
  readonly isolation?: Isolation;
  /** Limits of a thread agent's thread (only with `isolation: thread`). */
  readonly resourceLimits?: { readonly maxHeapMb?: number };
  /** Where in a cluster it runs; absent when the config does not say (the code registration's, else `everywhere`, applies). */
  readonly placement?: Placement;
}

/**
 * The configuration after validation against the agents registered in code,
 * with every default filled in, durations in ms and instants in ms since the
 * epoch. Records have no prototype and are frozen.
 */
export interface ResolvedConfig {
  /** The file it came from, for error messages. */
  readonly file?: string;
  /** The chief agent, from `chief:` or from a registration marked `chief: true`. */
  readonly chief?: string;
  /** Only agents that have an `agents:` entry; agents registered in code without one are not listed. */
  readonly agents: Readonly<Record<string, ResolvedAgentEntry>>;
  /** Every group: the three built-ins and those of `groups:`. */
  readonly groups: Readonly<Record<string, ResolvedGroup>>;
  /** Supervisor timings, in ms (factor and jitter are plain numbers). */
  readonly supervisor: {
    readonly backoff: { readonly initial: number; readonly max: number; readonly factor: number; readonly jitter: number };
    readonly resetAfter: number;
    readonly startTimeout: number;
    readonly stopTimeout: number;
  };
  /** Each scheduled agent's triggers, with names unique per agent and the `scheduler:` defaults filled in. */
  readonly schedule: Readonly<Record<string, readonly ResolvedTrigger[]>>;
  /**
   * The `scheduler:` defaults, for the triggers `orch.schedule()` adds later
   * (those of `schedule` have them already); each absent when not set.
   */
  readonly scheduler: SchedulerDefaults;
  /** Where trigger state lives: `file` an absolute path. Absent: in memory (or the `store` given in code). */
  readonly state?: { readonly file: string };
  /** The leases of singleton agents: `ttl` in ms (10 s by default). */
  readonly lease: { readonly ttl: number };
  /** ms: the whole shutdown's bound, and the drain inside it (0: none). */
  readonly shutdown: { readonly timeout: number; readonly drainDelay: number };
  /** The built-in listeners' ports and host. */
  readonly http: { readonly healthPort: number; readonly metricsPort: number; readonly host?: string };
}
