/**
 * The reason a run's signal is aborted with when its incarnation ends (a stop,
 * a crash): an `AbortError`, as `AbortSignal.abort()` gives. The testing kit's
 * harness aborts its ticks' signals with the same reason when it stops.
 */
export function incarnationEnded(): DOMException {
  return new DOMException("The agent's incarnation ended", "AbortError");
}
