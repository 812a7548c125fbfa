import { afterAll, beforeAll } from "vitest";

/**
 * Collects unhandled rejections and uncaught exceptions of the test process, so
 * a suite can assert that nothing escaped the supervisor.
 */
export function trackUnhandled(): { readonly errors: unknown[] } {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown) => errors.push(reason);
  const onException = (error: unknown) => errors.push(error);
  beforeAll(() => {
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onException);
  });
  afterAll(() => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  });
  return { errors };
}
