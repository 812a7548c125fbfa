import type { Duration } from "../duration.js";
import type { ScheduleSpec } from "../schedule/ScheduleSpec.js";

/**
 * A group's restart policy: restart forever (`"always"`), at most `max` times
 * since `start()` or the last `enable()` (`{ max }`, then the agent is
 * disabled), or stop the orchestrator on the first crash (`"fail-stop"`).
 */
export type RestartPolicy = "always" | "fail-stop" | { max: number };

/** `agents.<name>` in the config: settings for one agent, and how to load it when it is not registered in code. */
export interface AgentEntryConfig {
  /**
   * Fault domain: `data`, `strategy`, `critical` or a group of `groups:`.
   * Wins over the group given when the agent is registered in code.
   * @default the group given in code, else "data"
   */
  group?: string;
  /**
   * Module to load the agent class from by dynamic `import()`: a path relative
   * to the config file (`./agents/market.js`), an absolute path, a `file:` URL or
   * a package specifier. Only for agents not registered in code. Loading it runs
   * its code with the privileges of the process.
   */
  module?: string;
  /** Named export of `module` holding the class (only with `module`). @default the default export */
  export?: string;
  /** `false` registers the agent but does not start it. @default true */
  enabled?: boolean;
  /** The agent is hung when it has not called `heartbeat()` for this long. @default no heartbeat check */
  heartbeatTimeout?: Duration;
  /** Given to the agent as `this.config`, as written (keys named `__proto__` are refused). */
  config?: unknown;
}

/** `groups.<name>` in the config: a new group, or overrides of a built-in one, key by key. */
export interface GroupConfig {
  /** @default "always" (built-ins: data `"always"`, strategy `{ max: 5 }`, critical `"fail-stop"`) */
  restart?: RestartPolicy;
  /**
   * More than `maxCrashes` crashes inside a sliding window of `within` disables
   * the agent and escalates; each field falls back to its default on its own.
   * @default { maxCrashes: 3, within: "5m" }
   */
  crashLoop?: {
    /** @default 3 */
    maxCrashes?: number;
    /** @default "5m" */
    within?: Duration;
  };
  /** Escalate on this failure of a streak of consecutive failures (once per streak). @default 3 */
  escalateAfter?: number;
  /** Agents of a critical group must be up for health to pass. @default true for `critical`, else false */
  critical?: boolean;
}

/** `supervisor:` in the config: timings shared by every agent. */
export interface SupervisorConfig {
  /** Restart delay n = min(max, initial·factorⁿ)·(1 − jitter·U), U uniform in [0, 1). */
  backoff?: {
    /** First restart delay. @default "1s" */
    initial?: Duration;
    /** Longest restart delay; not less than `initial`. @default "60s" */
    max?: Duration;
    /** Growth per restart, at least 1. @default 2 */
    factor?: number;
    /** Share of each delay taken off at random, from 0 to 1. @default 0.2 */
    jitter?: number;
  };
  /** A run this long without a crash resets the back-off and the failure streak. @default "60s" */
  resetAfter?: Duration;
  /** A `start()` not settled by then is a crash (reason `hung`). @default "30s" */
  startTimeout?: Duration;
  /** A `stop()` not settled by then is abandoned and reported. @default "5s" */
  stopTimeout?: Duration;
}

/**
 * The configuration, as YAML (`loadConfig`) or as an object
 * (`createOrchestrator({ config })`). Every key is optional; durations are
 * `"500ms"`, `"30s"`, `"5m"`, `"1h"` or a number of milliseconds.
 */
export interface OrchestratorConfig {
  /** The agent that receives escalations (or mark its registration `chief: true`). @default no chief */
  chief?: string;
  /** Per-agent settings, and agents loaded by module. @default {} */
  agents?: Record<string, AgentEntryConfig>;
  /** Fault domains: override the built-ins key by key or define more. @default the built-ins data, strategy, critical */
  groups?: Record<string, GroupConfig>;
  /** Supervisor timings. */
  supervisor?: SupervisorConfig;
  /** Triggers per agent: each publishes `cron.<agent>` and calls its `onCron`. @default {} */
  schedule?: Record<string, ScheduleSpec>;
  /** Shutdown bound. */
  shutdown?: {
    /** Bounds the whole shutdown, bus flush and agent stops included. @default "30s" */
    timeout?: Duration;
  };
  /** Built-in listeners (`orch.listen()`). */
  http?: {
    /** Port of `/healthz`, 0 for any free port. @default 8000 */
    healthPort?: number;
    /** Port of `/metrics`, 0 for any free port. @default 8001 */
    metricsPort?: number;
    /** Interface to listen on. @default all interfaces */
    host?: string;
  };
}
