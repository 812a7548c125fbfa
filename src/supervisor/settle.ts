import { isThenable } from "../check.js";

/** How a call of agent code settled. */
export type Settled = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

const OK: Settled = Object.freeze({ ok: true });
const failed = (error: unknown): Settled => ({ ok: false, error });

/**
 * Call `agent.start()` or `agent.stop()` (agent code) and tell how it
 * settled; never throws or rejects, a synchronous throw counts as a
 * rejection. When it returns something other than a promise (or throws) the
 * answer comes at once, so a synchronous `start()` or `stop()` needs no
 * deadline timer; a promise only for a promise. Called as a method: no
 * function is made per call.
 */
export function settleCall(agent: { start(): unknown; stop(): unknown }, method: "start" | "stop"): Settled | Promise<Settled> {
  let result: unknown;
  try {
    result = method === "start" ? agent.start() : agent.stop();
  } catch (error) {
    return failed(error);
  }
  return settleResult(result);
}

function settleResult(result: unknown): Settled | Promise<Settled> {
  if (!isThenable(result)) return OK;
  return Promise.resolve(result).then(() => OK, failed);
}
