/**
 * Operator controls of one group and everything below it (its agents and
 * the agents of its child groups), from `orch.group(name)`. Works for every
 * group, built in or configured, whatever its strategy: the agents are taken
 * in their start order (the `dependsOn` order, else registration order).
 *
 * Each call is checked at once and then queued: the group's actions run one
 * after the other (and each agent's after its own operator actions), so a
 * `disable()` followed by an `enable()` ends with the agents running.
 *
 * @example
 * ```ts
 * const trading = orch.group("trading");
 * trading.restart();   // stop every agent below "trading" (reverse start order), then start them all (start order)
 * trading.disable();   // keep them down…
 * trading.enable();    // …until enabled again (the group's restart intensity cleared)
 * ```
 */
export interface GroupControl {
  /**
   * Stop every agent of the group (reverse start order), then start them
   * again (start order), with no back-off. Each restarted agent is counted
   * and emits `agent:restart` with reason `group`. Disabled and failed agents
   * stay as they are (`enable()` starts them); a restart of the group still
   * pending (a strategy's, after a crash) is dropped.
   *
   * @throws LifecycleError `NOT_STARTED` before `start()`, `SHUT_DOWN` once shutdown has begun
   */
  restart(): void;
  /**
   * Stop and disable every agent of the group (reverse start order), as
   * `orch.disable(agent)` does each (`agent:disabled` reason `operator`); a
   * pending restart of the group is dropped.
   *
   * @throws LifecycleError `NOT_STARTED` before `start()`, `SHUT_DOWN` once shutdown has begun
   */
  disable(): void;
  /**
   * Clear the restart intensity of the group (and of the groups below it),
   * then enable every agent of the group (start order), as `orch.enable(agent)`
   * does each: the way back for a group that failed at the top of the tree.
   *
   * @throws LifecycleError `NOT_STARTED` before `start()`, `SHUT_DOWN` once shutdown has begun
   */
  enable(): void;
}
