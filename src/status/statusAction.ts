import type { StatusAction } from "./StatusSource.js";

const AGENT_ACTIONS = ["restart", "disable", "enable"] as const;
const TRIGGER_ACTIONS = ["pause", "resume", "run-now"] as const;

/** Every action the page's `?action=` takes. */
export const STATUS_ACTIONS: readonly string[] = [...AGENT_ACTIONS, ...TRIGGER_ACTIONS];

/** An action read from a query string, or why it cannot be one (the 400 reply's message). */
export type ParsedAction = { readonly ok: true; readonly action: StatusAction } | { readonly ok: false; readonly error: string };

/**
 * The action of `?action=restart&agent=risk` or
 * `?action=pause&agent=reconcile&trigger=eod`.
 */
export function parseAction(query: URLSearchParams): ParsedAction {
  const action = query.get("action") ?? "";
  const agent = query.get("agent") ?? "";
  const trigger = query.get("trigger") ?? "";
  if (!STATUS_ACTIONS.includes(action)) {
    return { ok: false, error: `unknown action ${JSON.stringify(action)}; expected one of ${STATUS_ACTIONS.join(", ")}` };
  }
  if (agent === "") return { ok: false, error: `action ${action} needs an agent: ?action=${action}&agent=<name>` };
  const agentAction = AGENT_ACTIONS.find((known) => known === action);
  if (agentAction !== undefined) return { ok: true, action: { target: "agent", agent, action: agentAction } };
  const triggerAction = TRIGGER_ACTIONS.find((known) => known === action);
  if (triggerAction === undefined || trigger === "") {
    return { ok: false, error: `action ${action} needs a trigger: ?action=${action}&agent=${agent}&trigger=<name>` };
  }
  return { ok: true, action: { target: "trigger", agent, trigger, action: triggerAction } };
}
