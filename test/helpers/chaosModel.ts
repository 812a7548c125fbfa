import type { CrashReason, EscalationReason } from "../../src/stats/AgentCounters.js";

/**
 * A reference model of the supervision rules (docs/supervision.md, decisions
 * 1–6), written from the documentation and independently of the supervisor.
 * Fed the crashes, incarnations and operator actions of a run in their global
 * order, it says what must have happened: which crash restarted the agent after
 * which back-off attempt, which disabled it, which escalated, how many restarts
 * and which final state.
 */

/** A group's rules, in ms. */
export interface ModelGroup {
  readonly restart: "always" | "fail-stop" | { readonly max: number };
  readonly maxCrashes: number;
  readonly within: number;
  readonly escalateAfter: number;
}

/** The back-off settings, in ms. */
export interface ModelBackoff {
  readonly initial: number;
  readonly max: number;
  readonly factor: number;
  readonly jitter: number;
}

export interface ModelSettings {
  readonly backoff: ModelBackoff;
  readonly resetAfter: number;
  readonly groups: Readonly<Record<string, ModelGroup>>;
  /** Group of each agent. */
  readonly agents: Readonly<Record<string, string>>;
}

/** What the model is fed, in global order (`seq`). */
export type ModelInput =
  | { readonly kind: "construct"; readonly seq: number; readonly at: number; readonly agent: string }
  | {
      readonly kind: "crash";
      readonly seq: number;
      readonly at: number;
      readonly agent: string;
      readonly reason: CrashReason;
      readonly message: string;
      /** The crashed incarnation had started and run at least `resetAfter` since it was built. */
      readonly stable: boolean;
    }
  | {
      readonly kind: "enable" | "restart" | "disable";
      readonly seq: number;
      readonly at: number;
      readonly agent: string;
      /** Taken before `start()` reached the agent (docs/supervision.md): it applies to the pending start. */
      readonly beforeStart?: boolean;
    }
  | { readonly kind: "shutdown"; readonly seq: number; readonly at: number };

/** A restart the orchestrator announced (`agent:restart` with reason `crash`), in its order per agent. */
export interface ObservedRestart {
  readonly delay: number;
  readonly at: number;
  readonly attempt: number;
}

export interface ExpectedEscalation {
  readonly agent: string;
  readonly reason: EscalationReason;
  readonly disabled: boolean;
  readonly at: number;
  readonly crashes: ReadonlyArray<{ readonly at: number; readonly error: string }>;
}

/**
 * What the rules decide on one crash: restart after back-off, disable (restart
 * limit or crash loop), fail-stop the orchestrator, or nothing but `stopped`
 * (shutdown or a fail-stop has begun).
 */
export type ModelDecision = "restart" | "disable" | "fail-stop" | "stop";

export const MODEL_DECISIONS: readonly ModelDecision[] = ["restart", "disable", "fail-stop", "stop"];

export interface ModelResult {
  readonly escalations: ExpectedEscalation[];
  readonly disabled: Array<{ readonly agent: string; readonly reason: EscalationReason | "operator"; readonly at: number }>;
  readonly crashes: Map<string, number>;
  readonly restarts: Map<string, number>;
  readonly finalState: Map<string, "stopped" | "disabled" | "failed">;
  /** The decision on each crash, by the crash's `seq`. */
  readonly decisions: Map<number, ModelDecision>;
  /** The fail-stop, when a crash under a fail-stop policy ended the run. */
  readonly failStop: { readonly agent: string; readonly at: number; readonly message: string } | undefined;
  /** Everything that contradicts the rules. */
  readonly violations: string[];
}

/** The delay bounds of back-off attempt `n`: `[round(base·(1 − jitter)), base]`, base = `min(max, initial·factorⁿ)`. */
export function backoffBounds(n: number, backoff: ModelBackoff): { readonly low: number; readonly high: number } {
  const base = Math.min(backoff.max, backoff.initial * backoff.factor ** n);
  return { low: Math.round(base * (1 - backoff.jitter)), high: base };
}

interface AgentModel {
  state: "initial" | "up" | "backoff" | "disabled" | "stopped" | "failed";
  attempt: number;
  streak: number;
  window: number[];
  sinceEnable: number;
  restarts: number;
  crashes: number;
  history: Array<{ at: number; error: string }>;
  pending: { due: number } | undefined;
  launch: "enable" | "restart" | undefined;
  observed: number;
}

/**
 * Run the model over `inputs` (sorted here by `seq`). `observed` gives, per
 * agent, the restarts the orchestrator announced: the model checks each one's
 * attempt and delay bounds and uses its delay to know when the next incarnation
 * is due.
 */
export function runModel(settings: ModelSettings, inputs: readonly ModelInput[], observed: ReadonlyMap<string, readonly ObservedRestart[]>, end: number): ModelResult {
  const violations: string[] = [];
  const escalations: ExpectedEscalation[] = [];
  const disabled: ModelResult["disabled"] = [];
  const decisions = new Map<number, ModelDecision>();
  const agents = new Map<string, AgentModel>();
  let shutdown = false;
  let failStop: ModelResult["failStop"];

  const model = (agent: string): AgentModel => {
    let entry = agents.get(agent);
    if (entry === undefined) {
      entry = { state: "initial", attempt: 0, streak: 0, window: [], sinceEnable: 0, restarts: 0, crashes: 0, history: [], pending: undefined, launch: undefined, observed: 0 };
      agents.set(agent, entry);
    }
    return entry;
  };
  for (const agent of Object.keys(settings.agents)) model(agent);
  const groupOf = (agent: string): ModelGroup => {
    const group = settings.groups[settings.agents[agent] ?? ""];
    if (group === undefined) throw new Error(`model: no group for agent ${agent}`);
    return group;
  };
  const escalate = (agent: string, m: AgentModel, reason: EscalationReason, isDisabled: boolean, at: number): void => {
    escalations.push({ agent, reason, disabled: isDisabled, at, crashes: m.history.slice(-10) });
  };
  const disable = (agent: string, m: AgentModel, reason: EscalationReason, at: number): void => {
    m.state = "disabled";
    disabled.push({ agent, reason, at });
    escalate(agent, m, reason, true, at);
  };

  for (const input of [...inputs].sort((a, b) => a.seq - b.seq)) {
    if (input.kind === "shutdown") {
      shutdown = true;
      for (const [agent, m] of agents) {
        if (m.pending !== undefined && m.pending.due <= input.at) violations.push(`${agent}: restart due at ${m.pending.due} never happened before shutdown at ${input.at}`);
        m.pending = undefined;
      }
      continue;
    }
    const m = model(input.agent);
    switch (input.kind) {
      case "construct": {
        if (m.state === "initial") {
          m.state = "up";
        } else if (m.launch !== undefined) {
          // an operator's restart counts once its fresh incarnation exists (none once shutdown has begun)
          if (m.launch === "restart") m.restarts++;
          m.launch = undefined;
          m.state = "up";
        } else if (m.pending !== undefined && m.pending.due === input.at) {
          m.pending = undefined;
          m.sinceEnable++;
          m.restarts++;
          m.state = "up";
        } else {
          violations.push(`${input.agent}: an incarnation was built at ${input.at} that no rule explains (pending restart: ${m.pending?.due ?? "none"}, state ${m.state})`);
        }
        if (shutdown) violations.push(`${input.agent}: an incarnation was built at ${input.at}, after shutdown had begun`);
        break;
      }
      case "crash": {
        m.crashes++;
        m.history.push({ at: input.at, error: input.message });
        if (shutdown || failStop !== undefined) {
          m.state = "stopped";
          decisions.set(input.seq, "stop");
          break;
        }
        const group = groupOf(input.agent);
        if (group.restart === "fail-stop") {
          decisions.set(input.seq, "fail-stop");
          m.state = "failed";
          failStop = { agent: input.agent, at: input.at, message: input.message };
          shutdown = true;
          for (const other of agents.values()) other.pending = undefined;
          break;
        }
        if (input.stable) {
          m.attempt = 0;
          m.streak = 0;
        }
        m.streak++;
        m.window.push(input.at);
        m.window = m.window.filter((time) => time > input.at - group.within);
        if (typeof group.restart === "object" && m.sinceEnable >= group.restart.max) {
          decisions.set(input.seq, "disable");
          disable(input.agent, m, "restart-limit", input.at);
        } else if (m.window.length > group.maxCrashes) {
          decisions.set(input.seq, "disable");
          disable(input.agent, m, "crash-loop", input.at);
        } else {
          decisions.set(input.seq, "restart");
          if (m.streak === group.escalateAfter) escalate(input.agent, m, "consecutive-failures", false, input.at);
          const restart = observed.get(input.agent)?.[m.observed];
          m.observed++;
          if (restart === undefined) {
            violations.push(`${input.agent}: the crash at ${input.at} must schedule a restart (attempt ${m.attempt + 1}), none was announced`);
          } else {
            const { low, high } = backoffBounds(m.attempt, settings.backoff);
            if (restart.attempt !== m.attempt + 1) violations.push(`${input.agent}: restart after the crash at ${input.at} announced as attempt ${restart.attempt}, expected ${m.attempt + 1}`);
            if (restart.delay < low || restart.delay > high) {
              violations.push(`${input.agent}: back-off attempt ${m.attempt} waited ${restart.delay} ms, outside [${low}, ${high}]`);
            }
            if (restart.at !== input.at + restart.delay) violations.push(`${input.agent}: restart announced for ${restart.at}, expected crash time ${input.at} + delay ${restart.delay}`);
            m.pending = { due: input.at + restart.delay };
          }
          m.attempt++;
          m.state = "backoff";
        }
        break;
      }
      case "enable":
      case "restart":
        if (input.beforeStart === true) {
          // the agent starts once, in start()'s turn, even after an earlier disable(); no restart is counted
          if (m.state !== "initial" && m.state !== "disabled") violations.push(`${input.agent}: ${input.kind}() before its start, but the rules say ${m.state}`);
          if (input.kind === "enable") clearForEnable(m);
          m.state = "initial";
          break;
        }
        if (input.kind === "restart") {
          m.pending = undefined;
          m.launch = "restart";
          break;
        }
        if (m.state !== "disabled") violations.push(`${input.agent}: the orchestrator reported it disabled at ${input.at}; the rules say ${m.state}`);
        clearForEnable(m);
        m.launch = "enable";
        break;
      case "disable":
        m.pending = undefined;
        m.state = "disabled";
        disabled.push({ agent: input.agent, reason: "operator", at: input.at });
        break;
    }
  }

  const crashes = new Map<string, number>();
  const restarts = new Map<string, number>();
  const finalState = new Map<string, "stopped" | "disabled" | "failed">();
  for (const [agent, m] of agents) {
    if (m.pending !== undefined && m.pending.due <= end) violations.push(`${agent}: restart due at ${m.pending.due} never happened`);
    const announced = observed.get(agent)?.length ?? 0;
    if (announced !== m.observed) violations.push(`${agent}: ${announced} crash restarts announced, the rules call for ${m.observed}`);
    crashes.set(agent, m.crashes);
    restarts.set(agent, m.restarts);
    finalState.set(agent, m.state === "failed" ? "failed" : m.state === "disabled" ? "disabled" : "stopped");
  }
  return { escalations, disabled, crashes, restarts, finalState, decisions, failStop, violations };
}

/** What `enable()` clears: the crash window, the streak, the back-off and the `max` count. */
function clearForEnable(m: AgentModel): void {
  m.window = [];
  m.streak = 0;
  m.attempt = 0;
  m.sinceEnable = 0;
}
