/** A promise the test releases by hand: a handler that waits on it stays in flight until then. */
export function gate(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** Observe a promise's outcome without awaiting it. */
export function track(promise: Promise<unknown>): { readonly outcome: { value: unknown } | { error: unknown } | undefined } {
  const state: { outcome: { value: unknown } | { error: unknown } | undefined } = { outcome: undefined };
  promise.then(
    (value) => {
      state.outcome = { value };
    },
    (error: unknown) => {
      state.outcome = { error };
    },
  );
  return state;
}
