import type { ResolvedGroup } from "../../config/ResolvedConfig.js";
import { formatDuration } from "../../duration.js";
import { exponentialBackoff, type BackoffStrategy } from "../backoff.js";
import type { CrashRecord } from "../Escalation.js";
import type { OrchestratorEvents } from "../events.js";
import type { SupervisorHost } from "../SupervisorHost.js";
import { decideGroup } from "./decideGroup.js";
import { GroupIntensity } from "./GroupIntensity.js";
import type { GroupMember, GroupPort, GroupRestartVerdict } from "./GroupMember.js";
import { treeKey, type GroupDecisionInput, type TreeChild } from "./GroupPorts.js";

/** What a {@link GroupSupervisor} needs from its orchestrator: the supervisors' host, without the agent-only parts. */
export type TreeHost = Pick<
  SupervisorHost,
  "clock" | "random" | "logger" | "settings" | "stopping" | "listens" | "emit" | "escalate" | "failStop" | "setBackoff" | "clearBackoff"
>;

/** One child of a group: an agent or a child group, with its identity for the pure logic. */
interface Child {
  readonly tree: TreeChild;
  readonly node: GroupMember | GroupSupervisor;
}

/** A restart of a set decided and not yet done: its stops, then (at the back-off's end) its starts. */
interface PendingRestart {
  readonly generation: number;
  /** The children to restart, in start order. */
  readonly set: readonly Child[];
  /** When the set starts again. */
  readonly at: number;
  /** The position in `set` of the next child to start (0 until the back-off ends). */
  next: number;
  readonly stopped: Promise<void>;
  readonly elapsed: () => void;
  timer: unknown;
}

/** How far the failure of a group goes up the tree, decided at the crash that caused it. */
interface Failure {
  /** The groups that failed, from the one the crash was in up to `top`. */
  readonly chain: readonly GroupSupervisor[];
  /** The highest group that failed. */
  readonly top: GroupSupervisor;
  /** The parent of `top`, which restarts it with `restart` (absent at the top of the tree). */
  readonly parent: GroupSupervisor | undefined;
  readonly restart: readonly TreeChild[] | undefined;
  /** A group above `top` had failed already: its own restart or disable covers `top`. */
  readonly absorbed: boolean;
}

/** The idle children of a one_for_one decision: it restarts the crashed child alone and asks about none. */
const NONE_IDLE: ReadonlySet<string> = new Set();

/** Crashes kept for a `group-intensity` escalation. */
const HISTORY = 10;

/** Whether `group` supervises anything beyond its agents' own policies (a strategy other than one_for_one, or an intensity). */
export function supervisesGroup(group: ResolvedGroup): boolean {
  // a group resolved before strategies existed has none: one_for_one
  const strategy: string | undefined = group.strategy;
  return (strategy !== undefined && strategy !== "one_for_one") || group.intensity !== undefined;
}

/**
 * The runtime of one group of the supervision tree: its children in start
 * order (agents, and child groups at the position of their first agent), its
 * restart intensity and its strategy. Its agents' crash handlers ask it
 * ({@link GroupPort.childCrashed}) about each crash their policy restarts;
 * it answers with {@link decideGroup}:
 * - the crashed agent alone, under the intensity: the agent restarts itself;
 * - a set (`one_for_all`, `rest_for_one`): the others are stopped in reverse
 *   start order (ending in `backoff` with the crashed agent's restart time),
 *   and when that time comes the whole set starts again in start order;
 * - over the intensity: the group fails. Its parent takes it as one failed
 *   child (restarting it after an exponential back-off of `supervisor.backoff`,
 *   its windows cleared, or failing in turn); at the top of the tree a
 *   critical group stops the orchestrator (`failStop`), any other disables
 *   every agent below it and escalates once (`group-intensity`).
 *
 * A new decision while a restart is pending is merged with it: the union of
 * the two sets (in start order, the children of the pending one not started
 * yet) restarts at the later of the two times; a one_for_one crash outside
 * the pending set restarts by itself and leaves the pending restart as it is.
 */
export class GroupSupervisor implements GroupPort {
  /** The group it runs. */
  readonly group: ResolvedGroup;
  readonly #host: TreeHost;
  readonly #parent: GroupSupervisor | undefined;
  readonly #children: Child[] = [];
  readonly #trees: TreeChild[] = [];
  /** Each child's position in `#children`, by {@link treeKey}: a crash finds its child in O(1). */
  readonly #index = new Map<string, number>();
  /** Whether the child of a key is idle, asked by the strategy only about the children it may restart. */
  readonly #idleChildren: Pick<ReadonlySet<string>, "has"> = {
    has: (key) => {
      const position = this.#index.get(key);
      return position !== undefined && (this.#children[position] as Child).node.idle;
    },
  };
  readonly #intensity: GroupIntensity;
  readonly #history: CrashRecord[] = [];
  /** Restarts of each failed child group, for its back-off (reset by a stable run, see {@link GroupSupervisor.#restartFailed}). */
  readonly #attempts = new Map<string, number>();
  /** When each failed child group was last started again (the time its restart was due), ms. */
  readonly #restartedAt = new Map<string, number>();
  readonly #backoff: BackoffStrategy;
  #generation = 0;
  /** Its `group:failed` events so far (`group_failures_total`). */
  #failures = 0;
  #pending: PendingRestart | undefined;
  /**
   * Its agents that crashed and announced their own restart (`agent:restart`
   * reason `crash`), which this group will start: each is started as crashed
   * (its restart counted once, as its own), whichever restart of the group
   * starts it.
   */
  readonly #crashed = new Set<string>();
  /**
   * It failed (over its intensity, or as the parent of a group that failed)
   * and has not been started again: further crashes below it neither count
   * nor fail it again (its failure covers them).
   */
  #failing = false;
  /**
   * Its parent holds it stopped for a restart of the parent's set: a crash
   * below it schedules nothing and counts nowhere; the agent waits in
   * `backoff` for the parent to start it (as crashed).
   */
  #held = false;

  /**
   * @param group the group; its `intensity` is checked here.
   * @param parent the supervisor of its parent group (absent for a top-level group); this one is added to it as its next child.
   * @throws RangeError for an invalid intensity.
   */
  constructor(group: ResolvedGroup, host: TreeHost, parent?: GroupSupervisor) {
    this.group = group;
    this.#host = host;
    this.#parent = parent;
    this.#intensity = new GroupIntensity(group.intensity);
    this.#backoff = exponentialBackoff(host.settings.backoff);
    if (parent !== undefined) parent.#add({ tree: { kind: "group", name: group.name }, node: this });
  }

  /** The group's name. */
  get name(): string {
    return this.group.name;
  }

  /** How many times it failed as a whole (each `group:failed` it reported). */
  get failures(): number {
    return this.#failures;
  }

  /** Add an agent as the group's next child in start order. */
  add(member: GroupMember): void {
    this.#add({ tree: { kind: "agent", name: member.name }, node: member });
  }

  /** The agents of its subtree, in start order. */
  members(): GroupMember[] {
    return this.#children.flatMap((child) => (child.node instanceof GroupSupervisor ? child.node.members() : [child.node]));
  }

  /** Takes no part in its parent's restart: every agent below it is idle. */
  get idle(): boolean {
    return this.#children.every((child) => child.node.idle);
  }

  childCrashed(name: string, crash: CrashRecord, nextRestartAt: number): GroupRestartVerdict {
    // failed already: the failure's restart or disable takes care of this agent too
    if (this.#failing) return "failed";
    if (this.#held) {
      this.#crashed.add(name);
      return "set";
    }
    const child = this.#find("agent", name);
    this.#remember(crash);
    const verdict = decideGroup(this.#decision(child), this.#intensity, crash.at);
    if (verdict.kind === "fail") {
      if (this.#host.stopping()) return "failed";
      const failure = this.#fail(crash);
      // after the crash handler has finished with the agent
      void Promise.resolve().then(() => this.#failed(failure, crash));
      const escalates = !failure.absorbed && failure.restart === undefined && !failure.chain.some((group) => group.group.critical);
      return escalates ? "escalated" : "failed";
    }
    if (verdict.restart.length === 1 && !this.#pendingHas(child)) return "self";
    this.#crashed.add(name);
    this.#restartSet(child, verdict.restart, nextRestartAt, false);
    return "set";
  }

  /** As a child of its parent: stop every agent below it (reverse start order) for a restart, dropping its own pending restart. */
  async stopFor(nextRestartAt: number): Promise<void> {
    this.#cancel();
    this.#held = true;
    for (const child of this.#children.toReversed()) await child.node.stopFor(nextRestartAt);
  }

  /** As a child of its parent: start its agents again in start order, its restart windows (and those below it) cleared. (`_crashed` is for agents: a group's restarts are always counted.) */
  async startFor(by: string, _crashed = false): Promise<void> {
    this.#clear();
    await this.#startChildren(by, this.#generation);
  }

  /** Disable every agent below it (reverse start order), `group` naming the group that failed. */
  async disableFor(group: string): Promise<void> {
    this.#cancel();
    this.#held = false;
    this.#crashed.clear();
    for (const child of this.#children.toReversed()) await child.node.disableFor(group);
  }

  // ---- operator (`orch.group(name)`) -----------------------------------------

  /**
   * Operator: stop every agent below it (reverse start order), then start
   * them again (start order) at once, each counted as a restart by this group
   * (`agent:restart` reason `group`). Restarts pending here or below are
   * dropped; idle agents (disabled, failed, first start pending) are left
   * alone. The restart intensity is kept (`enable()` clears it). A crash
   * during the restart makes a new decision, which ends this one.
   */
  async restart(): Promise<void> {
    const stopping = this.stopFor(this.#host.clock.now()); // drops the pending restarts synchronously
    const generation = this.#generation;
    await stopping;
    await this.#startChildren(this.name, generation);
  }

  /** Whether a crash of `child` joins the pending restart: one is pending and, for one_for_one, has `child` among the children it has yet to start. */
  #pendingHas(child: Child): boolean {
    const pending = this.#pending;
    if (pending === undefined) return false;
    if (this.group.strategy !== "one_for_one") return true;
    return pending.set.indexOf(child, pending.next) >= 0;
  }

  /** Operator: disable every agent below it (reverse start order, `agent:disabled` reason `operator`); restarts pending here or below are dropped. */
  async disable(): Promise<void> {
    this.#cancelAll();
    for (const member of this.members().toReversed()) await this.#step(member.disable(), "agent", member.name, "disable");
  }

  /** Operator: clear its restart intensity (and that of every group below it), then enable every agent below it (start order). */
  async enable(): Promise<void> {
    this.#cancelAll();
    this.#clear();
    for (const member of this.members()) await this.#step(member.enable(), "agent", member.name, "enable");
  }

  /** Start its children in start order (a child group's children in turn) while `generation` is current and no shutdown has begun. */
  async #startChildren(by: string, generation: number): Promise<void> {
    this.#failing = false;
    this.#held = false;
    for (const child of this.#children) {
      if (generation !== this.#generation || this.#host.stopping()) return; // a crash inside made a new decision
      const node = child.node;
      await (node instanceof GroupSupervisor ? node.#startChildren(by, node.#generation) : node.startFor(by, this.#crashed.delete(node.name)));
    }
  }

  /** It and every group below it are no longer failed. */
  #recovered(): void {
    this.#failing = false;
    for (const child of this.#children) if (child.node instanceof GroupSupervisor) child.node.#recovered();
  }

  /** Drop its pending restart and those of every group below it. */
  #cancelAll(): void {
    this.#cancel();
    this.#held = false;
    this.#crashed.clear();
    for (const child of this.#children) if (child.node instanceof GroupSupervisor) child.node.#cancelAll();
  }

  #add(child: Child): void {
    this.#index.set(treeKey(child.tree), this.#children.length);
    this.#children.push(child);
    this.#trees.push(child.tree);
  }

  #find(kind: TreeChild["kind"], name: string): Child {
    const position = this.#index.get(treeKey({ kind, name }));
    if (position === undefined) throw new Error(`The ${kind} "${name}" is not a child of group "${this.name}".`);
    return this.#children[position] as Child;
  }

  /** The inputs of a decision about `crashed`: one_for_one asks nothing about idle children. */
  #decision(crashed: Child): GroupDecisionInput {
    const strategy = this.group.strategy;
    const idle = strategy === "one_for_one" ? NONE_IDLE : this.#idleChildren;
    return { strategy, children: this.#trees, crashed: crashed.tree, idle, position: this.#index.get(treeKey(crashed.tree)) as number };
  }

  #remember(crash: CrashRecord): void {
    this.#history.push(crash);
    if (this.#history.length > HISTORY) this.#history.shift();
  }

  /** Forget its restarts and those of every group below it (it is restarted or enabled as a whole). */
  #clear(): void {
    this.#failing = false;
    this.#intensity.clear();
    this.#attempts.clear();
    this.#restartedAt.clear();
    for (const child of this.#children) if (child.node instanceof GroupSupervisor) child.node.#clear();
  }

  /** Drop the pending restart, if any: its timer is cleared, its remaining steps do nothing. */
  #cancel(): void {
    this.#generation++;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending?.timer !== undefined) this.#host.clearBackoff(pending.timer, pending.elapsed);
  }

  /**
   * Restart `set` (in start order): stop it now, start it at `nextRestartAt`;
   * `crashed` is stopped too when `stopCrashed` (a failed child group). A
   * restart still pending is merged in: the children it has yet to start join
   * the set, the later of the two times applies, and every child of the set
   * is stopped again (which shows the merged time).
   */
  #restartSet(crashed: Child, set: readonly TreeChild[], nextRestartAt: number, stopCrashed: boolean): void {
    const previous = this.#pending;
    this.#cancel();
    const host = this.#host;
    const generation = this.#generation;
    let children = set.map((tree) => this.#find(tree.kind, tree.name));
    let at = nextRestartAt;
    if (previous !== undefined) {
      const union = new Set([...children, ...previous.set.slice(previous.next)]);
      children = this.#children.filter((child) => union.has(child));
      at = Math.max(at, previous.at);
    }
    const toStop = children.filter((child) => previous !== undefined || stopCrashed || child !== crashed).reverse();
    const stopped = Promise.resolve().then(() => this.#stopAll(toStop, at, generation));
    const pending: PendingRestart = {
      generation,
      set: children,
      at,
      next: 0,
      stopped,
      timer: undefined,
      elapsed: () => {
        if (this.#pending !== pending) return;
        pending.timer = undefined;
        void stopped.then(() => this.#startAll(pending));
      },
    };
    this.#pending = pending;
    pending.timer = host.setBackoff(pending.elapsed, Math.max(0, at - host.clock.now()));
  }

  async #stopAll(children: readonly Child[], nextRestartAt: number, generation: number): Promise<void> {
    for (const child of children) {
      if (generation !== this.#generation || this.#host.stopping()) return;
      await this.#guarded(child.node.stopFor(nextRestartAt), child, "stop");
    }
  }

  async #startAll(pending: PendingRestart): Promise<void> {
    const set = pending.set;
    while (pending.next < set.length) {
      if (pending.generation !== this.#generation || this.#host.stopping()) return;
      const child = set[pending.next++] as Child;
      const crashed = child.tree.kind === "agent" && this.#crashed.delete(child.tree.name);
      await this.#guarded(child.node.startFor(this.name, crashed), child, "start");
    }
    if (this.#pending === pending) this.#pending = undefined;
  }

  /** A step of a group restart that failed is logged; the restart goes on. */
  #guarded(step: Promise<void>, child: Child, what: string): Promise<void> {
    return this.#step(step, child.tree.kind, child.tree.name, what);
  }

  /** A step of a group action that failed is logged; the action goes on. */
  async #step(step: Promise<void>, kind: TreeChild["kind"], name: string, what: string): Promise<void> {
    try {
      await step;
    } catch (error) {
      this.#host.logger.error({ group: this.name, [kind]: name, err: error }, `group "${this.name}" could not ${what} ${kind} "${name}"`);
    }
  }

  /**
   * Over its intensity: find how far up the failure goes (each parent takes
   * the failed group as one failed child, counted in its intensity), mark each
   * failed group, drop their pending restarts. Runs at the crash, so a second
   * crash in the same tick finds the groups failed already.
   */
  #fail(tipping: CrashRecord): Failure {
    const at = this.#host.clock.now();
    this.#cancel();
    this.#failing = true;
    const chain: GroupSupervisor[] = [this];
    let top: GroupSupervisor = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the walk up the tree starts here
    let parent = this.#parent;
    let restart: readonly TreeChild[] | undefined;
    let absorbed = false;
    while (parent !== undefined) {
      if (parent.#failing) {
        absorbed = true;
        break;
      }
      parent.#remember(tipping);
      const verdict = decideGroup(parent.#decision(parent.#find("group", top.name)), parent.#intensity, at);
      if (verdict.kind === "restart") {
        restart = verdict.restart;
        break;
      }
      parent.#cancel();
      parent.#failing = true;
      chain.push(parent);
      top = parent;
      parent = parent.#parent;
    }
    return { chain, top, parent, restart, absorbed };
  }

  /** Report each failed group, then restart, fail-stop or disable (nothing more when a failed group above covers it). */
  #failed(failure: Failure, tipping: CrashRecord): void {
    const host = this.#host;
    if (host.stopping()) return;
    const { chain, top, parent, restart, absorbed } = failure;
    const agent = tipping.agent ?? "";
    if (absorbed) {
      for (const group of chain) group.#report(agent, "parent");
      return;
    }
    const critical = chain.some((group) => group.group.critical);
    const action = restart !== undefined ? "restart" : critical ? "fail-stop" : "disabled";
    for (const group of chain) group.#report(agent, group === top ? action : "parent");
    if (parent !== undefined && restart !== undefined) {
      parent.#restartFailed(top, restart);
    } else if (critical) {
      const error = new Error(`group "${top.name}" went over its restart intensity (agent "${agent}" crashed: ${tipping.error})`);
      host.failStop(agent, error, top.name);
    } else {
      void top.#disableAll(tipping);
    }
  }

  #report(agent: string, action: OrchestratorEvents["group:failed"]["action"]): void {
    const { name, path, intensity } = this.group;
    const maxRestarts = intensity?.maxRestarts ?? 0;
    const within = intensity?.within ?? 0;
    this.#failures++;
    this.#host.logger.error(
      { group: name, agent, action },
      `group "${name}" failed: more than ${maxRestarts} restart${maxRestarts === 1 ? "" : "s"} within ${formatDuration(within)} (last: agent "${agent}"); ${action}`,
    );
    this.#host.emit("group:failed", { group: name, path, agent, maxRestarts, within, action });
  }

  /**
   * Its child group `child` failed and is restarted with `set`, after its
   * back-off. As for an agent, a stable run resets the back-off: a child that
   * ran at least `supervisor.resetAfter` since its last restart starts again
   * at attempt 1.
   */
  #restartFailed(child: GroupSupervisor, set: readonly TreeChild[]): void {
    const host = this.#host;
    const now = host.clock.now();
    const name = child.name;
    const restartedAt = this.#restartedAt.get(name);
    const stable = restartedAt !== undefined && now - restartedAt >= host.settings.resetAfter;
    const attempt = (stable ? 0 : (this.#attempts.get(name) ?? 0)) + 1;
    this.#attempts.set(name, attempt);
    const delay = this.#backoff(attempt - 1, host.random);
    host.logger.warn({ group: this.name, child: name, delay, attempt }, `group "${this.name}" restarts its group "${name}" in ${formatDuration(delay)} (attempt ${attempt})`);
    this.#restartSet(this.#find("group", name), set, now + delay, true);
    this.#restartedAt.set(name, this.#pending?.at ?? now + delay);
  }

  /** A top-level group failed and is not critical: every agent below it disabled, one escalation. */
  async #disableAll(tipping: CrashRecord): Promise<void> {
    await this.disableFor(this.name);
    // every agent below it is disabled: an agent enabled on its own later is judged afresh
    this.#recovered();
    if (this.#host.stopping()) return;
    this.#host.escalate({ agent: tipping.agent ?? "", group: this.name, reason: "group-intensity", disabled: true, crashes: [...this.#history] });
  }
}
