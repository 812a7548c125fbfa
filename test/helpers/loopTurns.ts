/**
 * Counts event-loop turns: a `setImmediate` that re-arms itself until stopped,
 * so a test can see in which macrotask each piece of work ran.
 */
export function loopTurns(): { readonly now: () => number; stop(): void } {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    now: () => turns,
    stop() {
      running = false;
    },
  };
}
