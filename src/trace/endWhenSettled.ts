import type { Span } from "@opentelemetry/api";
import { recordFailure } from "./recordFailure.js";

/**
 * End `span` when `outcome` settles, marked failed when it rejects; gives
 * `outcome` back untouched (the rejection stays the caller's to handle: the
 * span's own reaction handles only its copy).
 */
export function endWhenSettled<T>(span: Span, outcome: Promise<T>): Promise<T> {
  outcome.then(
    () => span.end(),
    (error: unknown) => {
      recordFailure(span, error);
      span.end();
    },
  );
  return outcome;
}
