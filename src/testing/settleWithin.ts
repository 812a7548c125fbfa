import { setDeadline } from "../schedule/setDeadline.js";
import type { ManualClock } from "./ManualClock.js";

/** How a call bounded by {@link settleWithin} ended. */
export type Bounded =
  | { readonly kind: "settled" }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "timeout" };

/**
 * Call `fn` and wait for what it returns to settle, at most `ms` on `clock`,
 * as the supervisor bounds `start()` and `stop()`. A synchronous throw counts
 * as a rejection.
 *
 * With `drive`, the clock is moved while the call is pending, since nothing
 * else can move it (the harness's own clock, which the test cannot reach yet):
 * once promises have settled, to the next due timer, one instant at a time,
 * so the call's own timers fire and time reaches the deadline when nothing
 * settles first. Without `drive`, the clock's owner moves it.
 *
 * @throws ManualClockError `TIMER_LOOP` from the clock, when driving it meets a zero-delay timer loop
 */
export async function settleWithin(clock: ManualClock, ms: number, drive: boolean, fn: () => unknown): Promise<Bounded> {
  let timedOut!: () => void;
  const deadline = new Promise<Bounded>((resolve) => {
    timedOut = () => resolve({ kind: "timeout" });
  });
  const cancel = setDeadline(clock, ms, () => timedOut());
  const call = (async () => fn())().then<Bounded, Bounded>(
    () => ({ kind: "settled" }),
    (error: unknown) => ({ kind: "failed", error }),
  );
  let decided = false;
  const outcome = Promise.race([call, deadline]).then((result) => {
    decided = true;
    return result;
  });
  try {
    if (drive) {
      // a call that settles through promises alone is done before time moves
      await Promise.race([outcome, nextTurn()]);
      while (!decided) {
        const next = clock.nextTimerAt();
        if (next === undefined) break; // not while the deadline is pending
        await clock.advanceTo(next);
      }
    }
    return await outcome;
  } finally {
    cancel();
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
