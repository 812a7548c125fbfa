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
   * remembered across restarts (and seen by every instance sharing the store);
   * without one it lasts as long as the process. Idempotent. Emits `trigger:paused`.
   */
  pause(): void;
  /** Run the trigger's slots again from the next one (a slot skipped meanwhile stays skipped). Idempotent. Emits `trigger:resumed`. */
  resume(): void;
  /**
   * Run the trigger once now, paused or not, through the agent's runner
   * (overlap, timeout and signal as for a slot), as a tick whose
   * `scheduledAt` is now. Resolves when the run has ended.
   *
   * @throws (rejects) LifecycleError `NOT_STARTED` unless the orchestrator is running, `AGENT_DOWN` when the agent is not running
   */
  runNow(): Promise<void>;
  /** Whether the trigger is paused now. */
  readonly paused: boolean;
}
