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

/** A promise settled from outside, either way. */
export interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/** A {@link Deferred}: a run or a handler that waits on it stays in flight until the test settles it. */
export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
