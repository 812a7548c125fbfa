import { isoTime } from "../isoTime.js";
import type { HealthEvaluation } from "./Health.js";
import type { LivenessEvaluation } from "./Liveness.js";
import type { StartupEvaluation } from "./Startup.js";

/** Media type of a {@link HealthDocument} (draft-inadarei-api-health-check). */
export const HEALTH_JSON_CONTENT_TYPE = "application/health+json";

/** One measurement of a component in a {@link HealthDocument}. */
export interface HealthCheck {
  /** `agent` for agents, `system` for the orchestrator, `component` for the bus. */
  readonly componentType: "agent" | "system" | "component";
  /** `pass`; `warn` for a non-critical agent that is down; `fail`. */
  readonly status: "pass" | "warn" | "fail";
  /** The measured value: an agent's state, the orchestrator's phase, the bus connection, the loop lag. */
  readonly observedValue: string | number | boolean;
  /** Unit of a numeric `observedValue`. */
  readonly observedUnit?: string;
  /** When the value was observed (ISO 8601). */
  readonly time: string;
  /** An agent's last crash (ISO 8601), once it has crashed. */
  readonly lastCrashAt?: string;
  /** When an agent in `backoff` restarts (ISO 8601). */
  readonly nextRestartAt?: string;
  /** An agent's group. */
  readonly group?: string;
  /** An agent's groups from the top-level group down to its own: `["desk", "trading"]`. */
  readonly path?: readonly string[];
}

/**
 * A health response body in the IETF health-check draft format
 * (`application/health+json`): top-level `status` `pass` or `fail`, and
 * `checks` keyed `<component>:<measurement>`, e.g. `agent:feed`,
 * `orchestrator:phase`, `bus:connection`, `orchestrator:loop`.
 */
export interface HealthDocument {
  readonly status: "pass" | "fail";
  readonly checks: Readonly<Record<string, readonly HealthCheck[]>>;
}

/** The readiness document of a health evaluation. */
export function healthDocument(evaluation: HealthEvaluation): HealthDocument {
  const time = isoTime(evaluation.time);
  const checks: Record<string, HealthCheck[]> = {
    "orchestrator:phase": [
      { componentType: "system", status: evaluation.phase === "running" ? "pass" : "fail", observedValue: evaluation.phase, time },
    ],
  };
  const bus = evaluation.bus;
  if (bus !== undefined) {
    const status = bus.connected ? "pass" : bus.required ? "fail" : "warn";
    checks["bus:connection"] = [{ componentType: "component", status, observedValue: bus.connected, time }];
  }
  const store = evaluation.store;
  if (store !== undefined) {
    const problem = store.problem;
    checks["triggers:store"] = [
      {
        componentType: "component",
        status: problem === undefined ? "pass" : "warn",
        observedValue: problem === undefined ? store.description : `${store.description}: ${problem.code}: unreadable at start${problem.movedTo === undefined ? "" : `, moved to ${problem.movedTo}`}; started with empty trigger state`,
        time,
      },
    ];
  }
  for (const { status: agentStatus, critical } of evaluation.observed) {
    const { name, group, path, state, lastCrashAt, nextRestartAt } = agentStatus;
    const up = evaluation.report.agents[name]?.up === true;
    const status = up ? "pass" : critical ? "fail" : "warn";
    checks[`agent:${name}`] = [
      {
        componentType: "agent",
        status,
        observedValue: state,
        time,
        group,
        path,
        ...(lastCrashAt === undefined ? {} : { lastCrashAt: isoTime(lastCrashAt) }),
        ...(nextRestartAt === undefined ? {} : { nextRestartAt: isoTime(nextRestartAt) }),
      },
    ];
  }
  return { status: evaluation.report.ok ? "pass" : "fail", checks };
}

/** The liveness document of a liveness evaluation. */
export function livenessDocument(evaluation: LivenessEvaluation): HealthDocument {
  const time = isoTime(evaluation.time);
  const status = evaluation.live ? "pass" : "fail";
  const checks: Record<string, HealthCheck[]> = {
    "orchestrator:phase": [{ componentType: "system", status, observedValue: evaluation.phase, time }],
  };
  if (evaluation.sinceLastTickMs !== undefined) {
    checks["orchestrator:loop"] = [
      { componentType: "system", status, observedValue: evaluation.sinceLastTickMs, observedUnit: "ms", time },
    ];
  }
  return { status, checks };
}

/** The startup document of a startup evaluation. */
export function startupDocument(evaluation: StartupEvaluation): HealthDocument {
  const status = evaluation.started ? "pass" : "fail";
  const time = isoTime(evaluation.time);
  return { status, checks: { "orchestrator:startup": [{ componentType: "system", status, observedValue: evaluation.phase, time }] } };
}
