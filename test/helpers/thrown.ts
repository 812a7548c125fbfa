/**
 * Run `fn`, expect it to throw an instance of `ErrorClass`, and return the
 * error (any other error is rethrown; nothing thrown fails the test).
 */
export function thrownBy<E extends Error>(ErrorClass: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof ErrorClass) return error;
    throw error;
  }
  throw new Error(`expected a ${ErrorClass.name}, but nothing was thrown`);
}
