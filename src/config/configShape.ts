/**
 * The configuration's shape, written once: the YAML keys, what each holds and
 * its default. The public types (`OrchestratorConfig`, `AgentEntryConfig`,
 * `GroupConfig`, `SupervisorConfig`, `RestartPolicy`) are inferred from it, and
 * the checker walks it (`checkShape`); checks that relate keys to each other
 * (a group named in `agents:` must exist, `export` needs `module`, the chief
 * must be an agent) are in `checkConfig.ts`. The TSDoc on each field is what
 * editors and the API docs show for that key.
 */
import type { ResolvedTrigger, ScheduleSpec } from "../schedule/ScheduleSpec.js";
import type { BackoffStrategy } from "../supervisor/backoff.js";
import type { AgentEntryConfig, GroupConfig, RestartPolicy, SupervisorConfig } from "./OrchestratorConfig.js";
import { scheduleJsonSchema } from "./jsonSchemaTrigger.js";
import { checkSchedule } from "./resolveTrigger.js";
import { GROUP_STRATEGIES, ISOLATIONS, PLACEMENTS } from "./ResolvedConfig.js";
import { boolean, choice, code, data, duration, external, integer, list, named, number, object, record, requiredObject, string, union } from "./shape.js";
import { catchupShape, deliveryShape } from "./triggerPolicies.js";

/** What a restart policy must be, for error messages. */
export const RESTART_EXPECTATION = '"always", "fail-stop" or { max: N } with N a non-negative integer';
const PORT = "an integer port from 0 to 65535";
const NON_NEGATIVE = "a non-negative integer";

/** What `agents.<name>.dependsOn` must be, for error messages. */
export const DEPENDS_ON_EXPECTATION = "a list of agent names, each named once";

/** What `agents.<name>.isolation` must be, for error messages. */
export const ISOLATION_EXPECTATION = ISOLATIONS.map((isolation) => JSON.stringify(isolation)).join(" or ");

/** What `agents.<name>.placement` must be, for error messages. */
export const PLACEMENT_EXPECTATION = PLACEMENTS.map((placement) => JSON.stringify(placement)).join(" or ");

/** The smallest `resourceLimits.maxHeapMb` accepted: below it a thread cannot load its module. */
export const MIN_HEAP_MB = 8;

/** What `groups.<name>.strategy` must be, for error messages. */
export const STRATEGY_EXPECTATION = GROUP_STRATEGIES.map((strategy) => JSON.stringify(strategy)).join(", ").replace(/, (?=[^,]*$)/, " or ");

/** `groups.<name>.restart`. */
export const restartPolicyShape = union(["always", "fail-stop"], requiredObject({ max: integer(0, NON_NEGATIVE) }), RESTART_EXPECTATION);

/** `agents.<name>`. */
export const agentEntryShape = object({
  /**
   * Fault domain: `data`, `strategy`, `critical` or a group of `groups:`.
   * Wins over the group given when the agent is registered in code.
   * @default the group given in code, else "data"
   */
  group: string(),
  /**
   * Module to load the agent class from by dynamic `import()`: a path relative
   * to the config file (`./agents/market.js`), an absolute path, a `file:` URL or
   * a package specifier. Only for agents not registered in code. Loading it runs
   * its code with the privileges of the process.
   */
  module: string(),
  /** Named export of `module` holding the class (only with `module`). @default the default export */
  export: string(),
  /** `false` registers the agent but does not start it. @default true */
  enabled: boolean(),
  /** The agent is hung when it has not called `heartbeat()` for this long. @default no heartbeat check */
  heartbeatTimeout: duration(),
  /** Given to the agent as `this.config`, as written (keys named `__proto__` are refused). */
  config: data(),
  /**
   * Agents that must be running before this one starts: each an agent of
   * `agents:` or registered in code, named once, not this agent, and with no
   * cycle among them. Start order is topological, stop order its reverse
   * (docs/supervision.md). @default no dependencies
   */
  dependsOn: list(string(), { unique: true, expected: DEPENDS_ON_EXPECTATION }),
  /**
   * `thread` runs the agent in a worker thread of its own, with the same Agent
   * API: a synchronous hang is detected (the thread stops answering pings for
   * `heartbeatTimeout`, 10 s when unset) and the thread terminated; running out
   * of heap is a crash of this agent only. Needs the class to come from a
   * module (`module:` here, or registered in code by module URL): a class
   * object cannot move between threads (docs/agents.md).
   * @default "in-process" (or the isolation given in code)
   */
  isolation: choice(ISOLATIONS, ISOLATION_EXPECTATION),
  /** Limits of the agent's thread (only with `isolation: thread`). */
  resourceLimits: object({
    /**
     * Heap limit of the thread in MiB (V8's old generation): reaching it is a
     * crash of this agent (`AGENT_HEAP_LIMIT`), never of the process.
     * @default Node's default for a worker thread
     */
    maxHeapMb: integer(MIN_HEAP_MB, `an integer number of MiB, at least ${MIN_HEAP_MB}`),
  }),
  /**
   * `singleton` runs the agent on one replica of the cluster at a time: the
   * one holding its lease (`lease:`); the others show it in state `standby`
   * and take over when the holder dies or shuts down. Needs a coordinator that
   * holds leases (`createNatsCoordinator`), else `createOrchestrator()` refuses it
   * (docs/cluster.md).
   * @default "everywhere" (or the placement given in code)
   */
  placement: choice(PLACEMENTS, PLACEMENT_EXPECTATION),
});

/** `groups.<name>`. */
export const groupShape = object({
  /** @default "always" (built-ins: data `"always"`, strategy `{ max: 5 }`, critical `"fail-stop"`) */
  restart: named<RestartPolicy>()(restartPolicyShape),
  /**
   * More than `maxCrashes` crashes inside a sliding window of `within` disables
   * the agent and escalates; each field falls back to its default on its own.
   * @default { maxCrashes: 3, within: "5m" }
   */
  crashLoop: object({
    /** @default 3 */
    maxCrashes: integer(0, NON_NEGATIVE),
    /** @default "5m" */
    within: duration(),
  }),
  /** Escalate on this failure of a streak of consecutive failures (once per streak). @default 3 */
  escalateAfter: integer(1, "a positive integer"),
  /** Agents of a critical group must be up for health to pass. @default true for `critical`, else false */
  critical: boolean(),
  /**
   * The group this one belongs to (a built-in group or one of `groups:`): the
   * tree of groups has no cycle and is at most 8 levels deep.
   * @default none (a top-level group)
   */
  parent: string(),
  /**
   * Which children a crash restarts: `one_for_one` the crashed child alone,
   * `one_for_all` every child, `rest_for_one` the crashed child and every
   * child started after it (docs/supervision.md). @default "one_for_one"
   */
  strategy: choice(GROUP_STRATEGIES, STRATEGY_EXPECTATION),
  /**
   * More than `maxRestarts` restarts of the group's children inside `within`
   * fails the group as a whole: a child of its parent, or at the top disabled
   * and escalated (reason `group-intensity`). Both keys are required.
   * @default none (the group never fails as a whole)
   */
  intensity: requiredObject(
    {
      /** Restarts allowed inside `within` before the group fails. */
      maxRestarts: integer(0, NON_NEGATIVE),
      /** The sliding window restarts are counted in. */
      within: duration(),
    },
    "{ maxRestarts: N, within: <duration> } with N a non-negative integer",
  ),
  /**
   * The delay before each restart of the group's agents, in code only:
   * `(attempt, random) => ms`, `attempt` counting from 0 after a stable run,
   * `random` drawing from [0, 1). YAML cannot hold a function: there, tune the
   * exponential back-off of `supervisor.backoff`.
   * @default the exponential back-off of `supervisor.backoff`
   */
  backoff: code<BackoffStrategy>("a function (attempt, random) => ms", "supervisor.backoff (initial, max, factor, jitter)"),
});

/** `supervisor:`. */
export const supervisorShape = object({
  /** Restart delay n = min(max, initial·factorⁿ)·(1 − jitter·U), U uniform in [0, 1). */
  backoff: object({
    /** First restart delay. @default "1s" */
    initial: duration(),
    /** Longest restart delay; not less than `initial`. @default "60s" */
    max: duration(),
    /** Growth per restart, at least 1. @default 2 */
    factor: number(1, "a number greater than or equal to 1"),
    /** Share of each delay taken off at random, from 0 to 1. @default 0.2 */
    jitter: number(0, "a number from 0 to 1", 1),
  }),
  /** A run this long without a crash resets the back-off and the failure streak. @default "60s" */
  resetAfter: duration(),
  /** A `start()` not settled by then is a crash (reason `hung`). @default "30s" */
  startTimeout: duration(),
  /** A `stop()` not settled by then is abandoned and reported. @default "5s" */
  stopTimeout: duration(),
});

/** The whole configuration. */
export const configShape = object({
  /** The agent that receives escalations (or mark its registration `chief: true`). @default no chief */
  chief: string(),
  /** Per-agent settings, and agents loaded by module. @default {} */
  agents: record("agent", named<AgentEntryConfig>()(agentEntryShape)),
  /** Fault domains: override the built-ins key by key or define more. @default the built-ins data, strategy, critical */
  groups: record("group", named<GroupConfig>()(groupShape)),
  /** Supervisor timings. */
  supervisor: named<SupervisorConfig>()(supervisorShape),
  /** Triggers per agent: each publishes `cron.<agent>` and calls its `onCron`. @default {} */
  schedule: record(
    "agent",
    external<ScheduleSpec, readonly ResolvedTrigger[]>((checker, value, path) => Object.freeze(checkSchedule(checker, value, path, [])), scheduleJsonSchema()),
  ),
  /**
   * Defaults for every trigger of `schedule:` and of `orch.schedule()` that does not set its own.
   * A trigger's own `catchup` replaces the default as a whole; `delay` triggers take no catch-up.
   */
  scheduler: object({
    /**
     * Catch-up after downtime for every `cron`, `every` and `at` trigger without a `catchup` of its
     * own: how far back to look for missed slots, and which to run. @default none (window 0)
     */
    catchup: catchupShape,
    /**
     * What happens to a slot whose run started and never ended (the host stopped mid-run):
     * `at-most-once` counts it `interrupted`, `at-least-once` runs it once more at start (`tick.attempt === 2`).
     * @default "at-most-once"
     */
    delivery: deliveryShape,
  }),
  /**
   * Where trigger state lives (the slots that ran, a run cut short, paused triggers), so catch-up
   * and delivery survive restarts. @default in memory: forgotten at exit
   */
  state: requiredObject({
    /**
     * The state file of a single host, written atomically; relative to the configuration file's
     * directory (the working directory for a configuration given in code). Not together with
     * `createOrchestrator({ store })`.
     */
    file: string(),
  }),
  /** Leases of singleton agents (`placement: singleton`). */
  lease: object({
    /**
     * How long a lease lasts without renewal: the holder renews every third of
     * it and stops its agent when it could not renew for two thirds; a replica
     * that dies is replaced within about this long. At least 1 s. It is the max
     * age of the lease bucket, so every replica must use the same. @default "10s"
     */
    ttl: duration(),
  }),
  /** Shutdown bound and drain. */
  shutdown: object({
    /** Bounds the whole shutdown, drain delay, bus flush and agent stops included. @default "30s" */
    timeout: duration(),
    /**
     * How long readiness (`/readyz`, `/healthz`) fails before agents stop, so a load balancer stops
     * sending first; agents and triggers keep running meanwhile. Counted inside `timeout`, and must be
     * shorter than it. `0` (or leaving it out) means no drain. @default 0
     */
    drainDelay: duration({ zero: true }),
  }),
  /** Built-in listeners (`orch.listen()`). */
  http: object({
    /** Port of `/healthz`, 0 for any free port. @default 8000 */
    healthPort: integer(0, PORT, 65_535),
    /** Port of `/metrics`, 0 for any free port. @default 8001 */
    metricsPort: integer(0, PORT, 65_535),
    /** Interface to listen on. @default all interfaces */
    host: string(),
  }),
});
