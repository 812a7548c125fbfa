/** How a call of agent code settled. */
export type Settled = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/**
 * Call `fn` (agent code: `start()`, `stop()`) and resolve with how it settled;
 * never rejects. A synchronous throw counts as a rejection.
 */
export function settle(fn: () => unknown): Promise<Settled> {
  // an async wrapper turns a synchronous throw into a rejection
  return (async () => fn())().then(
    (): Settled => ({ ok: true }),
    (error: unknown): Settled => ({ ok: false, error }),
  );
}
