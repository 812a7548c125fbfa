import { isThenable } from "../check.js";

/** How a call of agent code settled. */
export type Settled = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

const OK: Settled = Object.freeze({ ok: true });
const failed = (error: unknown): Settled => ({ ok: false, error });

/**
 * Call `fn` (agent code: `start()`, `stop()`) and tell how it settled; never
 * throws or rejects, a synchronous throw counts as a rejection. When `fn`
 * returns something other than a promise (or throws) the answer comes at once,
 * so a synchronous `start()` or `stop()` needs no deadline timer; a promise
 * only for a promise.
 */
export function settleNow(fn: () => unknown): Settled | Promise<Settled> {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    return failed(error);
  }
  if (!isThenable(result)) return OK;
  return Promise.resolve(result).then(() => OK, failed);
}
