/**
 * Operator controls of one trigger, from `orch.trigger(agent, name)`.
 *
 * @example
 * ```ts
 * const eod = orch.trigger("reconcile", "eod");
 * eod.pause();            // its slots are skipped with reason `paused` until resume()
 * await eod.runNow();     // one run now, through the agent's runner (overlap, timeout, signal)
 * eod.resume();
 * ```
 */
export interface TriggerControl {
  /**
   * Skip the trigger's slots (counted with reason `paused`) until
   * {@link TriggerControl.resume}. With a trigger store the pause is
   * remembered across restarts (a shared store refuses every instance a live
   * slot of the paused trigger; the others learn the flag at their next
   * start); without one it lasts as long as the process. Allowed before
   * `start()` (written to the store once it is read, winning over the stored
   * flag). Idempotent: only a change emits `trigger:paused` (and logs, unless
   * the call names who acted: an action of the status page is always logged,
   * `already paused` when it changed nothing). The event comes once the store
   * has answered (`remembered: false` when it could not record the flag).
   *
   * @throws LifecycleError `SHUT_DOWN` once shutdown has begun, `UNKNOWN_AGENT` when the trigger was removed
   */
  pause(): void;
  /** Run the trigger's slots again from the next one (a slot skipped meanwhile stays skipped). Idempotent. Emits `trigger:resumed`. */
  resume(): void;
  /**
   * Run the trigger once now, paused or not, through the agent's runner
   * (timeout and signal as for a slot; a run of the trigger in flight is
   * waited for), as a tick whose `scheduledAt` is now and whose key is
   * `<agent>:<trigger>:<now ISO>:now` (never a slot's key). Not a slot: the
   * trigger store does not record it. Resolves when the run has ended,
   * whatever its outcome: a run that throws or hangs is the agent's crash,
   * as for a slot.
   *
   * @throws (rejects) LifecycleError `NOT_STARTED` unless the orchestrator is running, `AGENT_DOWN` when the agent is not running (or stopped before the run began), `SHUT_DOWN` once shutdown has begun
   */
  runNow(): Promise<void>;
  /** Whether the trigger is paused now. */
  readonly paused: boolean;
}
