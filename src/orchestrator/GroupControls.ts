import type { ResolvedConfig } from "../config/ResolvedConfig.js";
import { describeThrown } from "../errors/describeThrown.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { OperatorQueue } from "../supervisor/OperatorQueue.js";
import type { GroupMember } from "../supervisor/tree/GroupMember.js";
import type { GroupSupervisor } from "../supervisor/tree/GroupSupervisor.js";
import type { GroupControl } from "./GroupControl.js";
import type { Lifecycle } from "./Lifecycle.js";

/** The operator controls of a group. */
export type GroupAction = "restart" | "disable" | "enable";

/** The groups as the controls act on them, once every agent is known. */
export interface GroupsView {
  /** The supervisor of group `name`, when its tree has one. */
  supervisor(name: string): GroupSupervisor | undefined;
  /** The agents below group `name` (its own and its child groups'), in start order. */
  members(name: string): readonly GroupMember[];
}

/** What the group controls need from the orchestrator. */
export interface GroupControlsParts {
  readonly config: ResolvedConfig;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  readonly clock: Clock;
  /** True once shutdown (or a fail-stop) has begun. */
  stopping(): boolean;
}

/**
 * `orch.group(name)`: each call is checked at once (`NOT_STARTED`,
 * `SHUT_DOWN`; the name when the control is made: `UNKNOWN_GROUP`), logged,
 * and queued: group actions run one after the other, so a `disable()` and an
 * `enable()` in a row end with the agents enabled. Actions taken while
 * `start()` is still loading modules wait until every agent is known (then
 * they apply to the pending starts, as an agent's operator actions do).
 * A group with a supervisor acts through it (its pending restarts dropped,
 * its intensity cleared by `enable()`); any other acts on its agents directly.
 */
export class GroupControls {
  readonly #parts: GroupControlsParts;
  readonly #queue = new OperatorQueue();
  #view: GroupsView | undefined;
  readonly #awaiting: Array<{ group: string; action: GroupAction }> = [];

  constructor(parts: GroupControlsParts) {
    this.#parts = parts;
  }

  /** Every agent is known: apply the actions kept meanwhile (dropped once shutdown has begun). */
  ready(view: GroupsView): void {
    this.#view = view;
    const actions = this.#awaiting.splice(0);
    if (this.#parts.stopping()) return;
    for (const { group, action } of actions) this.#enqueue(view, group, action);
  }

  /**
   * The controls of group `name`.
   *
   * @throws LifecycleError `UNKNOWN_GROUP` naming the known groups
   */
  control(name: string): GroupControl {
    const groups = this.#parts.config.groups;
    if (!Object.hasOwn(groups, name)) {
      throw new LifecycleError("UNKNOWN_GROUP", `group(): no group named "${name}"; known groups: ${Object.keys(groups).join(", ")}`);
    }
    return {
      restart: () => this.act(name, "restart"),
      disable: () => this.act(name, "disable"),
      enable: () => this.act(name, "enable"),
    };
  }

  /** Check and queue `action` on group `group` (a known group); `by` names who acted, for the log line. */
  act(group: string, action: GroupAction, by?: string): void {
    const { lifecycle, logger } = this.#parts;
    if (lifecycle.stopping) throw new LifecycleError("SHUT_DOWN", `group("${group}").${action}() after shutdown`);
    if (lifecycle.phase === "idle") throw new LifecycleError("NOT_STARTED", `group("${group}").${action}() before start()`);
    const byText = by === undefined ? "" : ` by ${by}`;
    const view = this.#view;
    if (view === undefined) {
      logger.info({ group, action, ...(by === undefined ? {} : { by }) }, `operator: ${action} group "${group}"${byText} (applied once start() has loaded every agent)`);
      this.#awaiting.push({ group, action });
      return;
    }
    logger.info({ group, action, ...(by === undefined ? {} : { by }) }, `operator: ${action} group "${group}"${byText}`);
    this.#enqueue(view, group, action);
  }

  #enqueue(view: GroupsView, group: string, action: GroupAction): void {
    const logger = this.#parts.logger;
    this.#queue
      .run(() => this.#run(view, group, action))
      .catch((error: unknown) => logger.error({ group, err: error }, `operator ${action} of group "${group}" failed: ${describeThrown(error)}`));
  }

  #run(view: GroupsView, group: string, action: GroupAction): Promise<void> {
    if (this.#parts.stopping()) return Promise.resolve();
    const supervisor = view.supervisor(group);
    if (supervisor !== undefined) return supervisor[action]();
    const members = view.members(group);
    switch (action) {
      case "restart":
        return this.#restart(group, members);
      case "disable":
        return this.#eachInTurn(group, "disable", members.toReversed(), (member) => member.disable());
      case "enable":
        return this.#eachInTurn(group, "enable", members, (member) => member.enable());
    }
  }

  /** A group without a supervisor: stop its agents (reverse start order), then start them again (start order), at once. */
  async #restart(group: string, members: readonly GroupMember[]): Promise<void> {
    const now = this.#parts.clock.now();
    await this.#eachInTurn(group, "stop", members.toReversed(), (member) => member.stopFor(now));
    await this.#eachInTurn(group, "start", members, (member) => member.startFor(group, false));
  }

  /** Run `step` on each member in turn, each after the previous one has settled (a failed step is logged, the others go on); none once shutdown has begun. */
  async #eachInTurn(group: string, what: string, members: readonly GroupMember[], step: (member: GroupMember) => Promise<void>): Promise<void> {
    for (const member of members) {
      if (this.#parts.stopping()) return;
      try {
        await step(member);
      } catch (error) {
        this.#parts.logger.error({ group, agent: member.name, err: error }, `group "${group}" could not ${what} agent "${member.name}": ${describeThrown(error)}`);
      }
    }
  }
}
