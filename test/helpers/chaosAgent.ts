import { Agent, type AgentClass } from "../../src/agent/Agent.js";
import type { AgentContext } from "../../src/agent/AgentContext.js";
import { AgentBus } from "../../src/agent/AgentBus.js";
import { ScopedClock } from "../../src/agent/ScopedClock.js";
import type { Message } from "../../src/bus/Bus.js";
import type { CronTick } from "../../src/schedule/ScheduleSpec.js";
import type { Escalation } from "../../src/supervisor/Escalation.js";
import type { ManualClock } from "../../src/testing/ManualClock.js";
import { HOSTILE_KINDS, hostileValue, showThrown } from "./chaosHostile.js";
import type { Random } from "./chaosRandom.js";
import type { FaultKind, InstanceRecord, StopMode, Tally } from "./chaosTally.js";

/** How one chaos agent behaves: drawn from the seed once per run. */
export interface ChaosProfile {
  readonly name: string;
  /** `data`, `strategy`, `critical` or `flaky` (a user-defined group). */
  readonly group: string;
  readonly chief: boolean;
  /** Whether it has a `heartbeatTimeout` (and so can hang). */
  readonly heartbeat: boolean;
  /** Its trigger: `every` 30 s, a cron every 5 minutes with a `timeout`, a one-off `delay`, or none. */
  readonly trigger: "every" | "cron" | "delay" | "none";
  /** Mean time between runtime faults of one incarnation, ms (Infinity: none). */
  readonly meanFaultMs: number;
  /** Probability that a `start()` throws, rejects (at once or later) or never settles. */
  readonly startFailure: number;
  /** Probability that a `start()` takes a while (1–5 s of fake time) before it settles. */
  readonly slowStart: number;
  /** Probabilities of each way `stop()` can behave. */
  readonly stop: Readonly<Record<StopMode, number>>;
  /** Patterns it subscribes to besides `work.<name>`. */
  readonly broadcast: boolean;
  readonly jobs: boolean;
  readonly firehose: boolean;
  /** The first incarnation's `start()` always succeeds (critical agents of the fail-stop run). */
  readonly reliableFirstStart: boolean;
  /** A planned `fail()` at this fake time (the fail-stop run's critical crash). */
  readonly plannedFailAt: number | undefined;
  /** Whether its `onEscalation()` (chief only) sometimes throws. */
  readonly escalationFaults: boolean;
}

/** The payload of chaos traffic; `crash: true` asks the receiving handler to throw. */
export interface ChaosPayload {
  readonly hop: number;
  readonly from: string;
  readonly crash?: boolean;
}

/** What chaos agents share: the clock, the tally, the settings the invariants also use. */
export interface ChaosWorld {
  readonly clock: ManualClock;
  readonly tally: Tally;
  /** Per-agent random streams (forked from the run's seed). */
  random(agent: string): Random;
  readonly names: readonly string[];
  readonly heartbeatTimeout: number;
  readonly heartbeatInterval: number;
  readonly startTimeout: number;
  readonly stopTimeout: number;
  /** The `timeout` of cron triggers. */
  readonly cronTimeout: number;
  /** Timers the "outside world" set on the raw clock (detached callbacks); cleared at the end of the run. */
  readonly external: Set<unknown>;
  /**
   * Probability that a value an agent throws, rejects with or passes to `fail()`
   * is a hostile one (chaosHostile.ts) rather than a plain Error. Drawn from a
   * stream of its own per agent, so the rest of a seed's run is the same whatever it is.
   */
  readonly hostileChance: number;
  /** The planned critical failure (fail-stop run) is always a hostile value (its kind still drawn from the seed). */
  readonly hostilePlannedFailure: boolean;
}

const FAULTS_AT_RUN: readonly FaultKind[] = ["fail", "detached-fail", "handler-throw", "handler-reject", "cron-throw", "cron-reject", "cron-hang", "hang"];

/**
 * Build the agent class of one chaos agent. Every instance records itself in
 * the tally, injects faults from its own random stream, and checks from the
 * inside what the supervisor promises: no message or timer reaches it once its
 * incarnation has ended, its predecessor was released before it was built,
 * `stop()` is called only after the signal was aborted and never on a crashed
 * incarnation.
 */
export function chaosAgentClass(profile: ChaosProfile, world: ChaosWorld): AgentClass {
  const { tally, clock } = world;
  const random = world.random(profile.name);
  const hostileRandom = world.random(`${profile.name}:hostile`);
  const others = world.names.filter((name) => name !== profile.name);

  class ChaosAgent extends Agent {
    static readonly agentName = profile.name;
    readonly record: InstanceRecord;
    #armedHandler: "handler-throw" | "handler-reject" | undefined;
    #armedCron: "cron-throw" | "cron-reject" | "cron-hang" | undefined;
    #hanging = false;

    constructor(context: AgentContext) {
      super(context);
      const previous = tally.byAgent.get(profile.name)?.at(-1);
      this.record = tally.construct(profile.name, this);
      const record = this.record;
      if (previous !== undefined) {
        const prev = previous.instance;
        const where = `${profile.name}#${record.index} built`;
        if (!prev.signal.aborted) tally.violation(`${where} while #${previous.index} was still running (its signal not aborted): two incarnations side by side`);
        if (prev.bus instanceof AgentBus && prev.bus.subscriptionCount > 0) {
          tally.violation(`${where} while #${previous.index} still held ${prev.bus.subscriptionCount} bus subscriptions`);
        }
        if (prev.clock instanceof ScopedClock && prev.clock.pending > 0) {
          tally.violation(`${where} while #${previous.index} still had ${prev.clock.pending} timers pending`);
        }
      }
      this.signal.addEventListener("abort", () => {
        record.abortedAt = clock.now();
        record.abortedSeq = tally.nextSeq();
        record.abortReason = this.signal.reason;
      });
    }

    override start(): void | Promise<void> {
      const record = this.record;
      const reliable = profile.reliableFirstStart && record.index === 0;
      if (!reliable && random.chance(profile.startFailure)) {
        const error = this.#thrown("start");
        switch (random.int(0, 3)) {
          case 0:
            tally.fault(record, "start-throw", error);
            throw error;
          case 1:
            tally.fault(record, "start-reject", error);
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile value, on purpose
            return Promise.reject(error);
          case 2:
            return new Promise<void>((_, reject) => {
              this.#later(random.int(100, 5_000), () => {
                tally.fault(record, "start-reject", error);
                // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile value, on purpose
                reject(error);
              });
            });
          default:
            tally.fault(record, "start-hang", undefined, record.constructedAt + world.startTimeout);
            return new Promise<void>(() => undefined);
        }
      }
      this.#subscribe();
      if (random.chance(profile.slowStart)) {
        return new Promise<void>((resolve) => {
          this.#later(random.int(1_000, 5_000), () => {
            this.#started();
            resolve();
          });
        });
      }
      this.#started();
      return undefined;
    }

    override stop(): void | Promise<void> {
      const record = this.record;
      const now = clock.now();
      record.stopCalledAt = now;
      if (!this.signal.aborted || record.abortedAt !== now) {
        tally.violation(`${profile.name}#${record.index}: stop() called before its signal was aborted`);
      }
      if (record.faults.some((fault) => fault.error !== undefined && fault.error === record.abortReason)) {
        tally.violation(`${profile.name}#${record.index}: stop() called on a crashed incarnation`);
      }
      const mode = chooseStop(random, profile.stop);
      record.stopMode = mode;
      const settled = (): void => {
        record.stopSettledAt = clock.now();
      };
      switch (mode) {
        case "ok":
          settled();
          return undefined;
        case "throw": {
          const error = this.#thrown("stop");
          tally.fault(record, "stop-throw", error);
          settled();
          throw error;
        }
        case "hang":
          tally.fault(record, "stop-hang", undefined);
          return new Promise<void>(() => undefined);
        case "slow":
          return new Promise<void>((resolve) => {
            this.#later(random.int(1, Math.floor(world.stopTimeout * 0.8)), () => {
              settled();
              resolve();
            });
          });
        case "fail": {
          const error = this.#thrown("stop-fail");
          tally.fault(record, "stop-fail", error);
          this.#fail(error);
          settled();
          return undefined;
        }
        case "publish":
          // a message that makes an agent still running (stopped later, in reverse order) crash during shutdown
          this.bus.publish(`work.${random.pick(others)}`, { hop: 9, from: profile.name, crash: true } satisfies ChaosPayload).catch(() => undefined);
          settled();
          return undefined;
      }
    }

    override onCron(_tick: CronTick): void | Promise<void> {
      if (!this.#alive("onCron")) return undefined;
      const armed = this.#armedCron;
      this.#armedCron = undefined;
      const record = this.record;
      if (armed === "cron-throw") {
        const error = this.#thrown("cron");
        tally.fault(record, armed, error);
        throw error;
      }
      if (armed === "cron-reject") {
        const error = this.#thrown("cron");
        return new Promise<void>((_, reject) => {
          this.#later(random.int(0, 3_000), () => {
            tally.fault(record, "cron-reject", error);
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile value, on purpose
            reject(error);
          });
        });
      }
      if (armed === "cron-hang") {
        tally.fault(record, armed, undefined, clock.now() + world.cronTimeout);
        return new Promise<void>(() => undefined);
      }
      if (random.chance(0.3)) {
        return new Promise<void>((resolve) => this.#later(random.int(1, 2_000), resolve));
      }
      return undefined;
    }

    override onEscalation(event: Escalation): void {
      if (!this.#alive("onEscalation")) return;
      this.record.escalations.push(event);
      if (profile.escalationFaults && random.chance(0.05)) {
        const error = this.#thrown("escalation");
        tally.fault(this.record, "escalation-throw", error);
        throw error;
      }
    }

    #started(): void {
      const record = this.record;
      record.startResolvedAt = clock.now();
      record.lastBeatAt = clock.now();
      if (profile.heartbeat) this.#beat();
      if (profile.plannedFailAt !== undefined && clock.now() < profile.plannedFailAt) {
        this.#later(profile.plannedFailAt - clock.now(), () => {
          const error = this.#thrown("planned critical failure", world.hostilePlannedFailure);
          tally.fault(record, "fail", error);
          this.#fail(error);
        });
      }
      this.#planFault();
    }

    #beat(): void {
      if (!this.#hanging) {
        this.heartbeat();
        this.record.lastBeatAt = clock.now();
      }
      this.#later(world.heartbeatInterval, () => this.#beat());
    }

    #subscribe(): void {
      const onMessage = (message: Message): unknown => this.#handle(message);
      this.bus.subscribe(`work.${profile.name}`, onMessage);
      if (profile.broadcast) this.bus.subscribe("broadcast.*", onMessage);
      if (profile.jobs) this.bus.subscribe("jobs.*", onMessage, { queue: "workers" });
      if (profile.firehose) this.bus.subscribe("firehose.>", onMessage, { maxPending: 4, overflow: "drop-oldest" });
    }

    #handle(message: Message): unknown {
      if (!this.#alive(`message on ${message.topic}`)) return undefined;
      const record = this.record;
      const payload = message.payload as Partial<ChaosPayload> | undefined;
      const hop = payload?.hop ?? 0;
      if (hop < 2 && random.chance(0.15)) {
        this.bus.publish(`work.${random.pick(others)}`, { hop: hop + 1, from: profile.name } satisfies ChaosPayload).catch(() => undefined);
      }
      const armed = payload?.crash === true ? "handler-throw" : this.#armedHandler;
      this.#armedHandler = undefined;
      if (armed === "handler-throw") {
        const error = this.#thrown(`handler of ${message.topic}`);
        tally.fault(record, armed, error);
        throw error;
      }
      if (armed === "handler-reject") {
        const error = this.#thrown(`handler of ${message.topic}`);
        if (random.chance(0.5)) {
          tally.fault(record, armed, error);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile value, on purpose
          return Promise.reject(error);
        }
        return new Promise((_, reject) => {
          this.#later(random.int(1, 3_000), () => {
            tally.fault(record, "handler-reject", error);
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile value, on purpose
            reject(error);
          });
        });
      }
      if (random.chance(0.2)) return new Promise<void>((resolve) => this.#later(random.int(1, 1_500), resolve));
      return undefined;
    }

    /** Schedule the next runtime fault of this incarnation. */
    #planFault(): void {
      if (!Number.isFinite(profile.meanFaultMs)) return;
      this.#later(random.exp(profile.meanFaultMs), () => {
        const kinds = FAULTS_AT_RUN.filter(
          (kind) => (kind !== "hang" || profile.heartbeat) && (!kind.startsWith("cron") || profile.trigger === "every" || profile.trigger === "cron"),
        );
        const kind = random.pick(kinds);
        const record = this.record;
        switch (kind) {
          case "fail": {
            const error = this.#thrown("fail");
            tally.fault(record, "fail", error);
            this.#fail(error);
            return;
          }
          case "detached-fail": {
            // a callback of some library the supervisor does not watch: it may come after the incarnation ended
            const error = this.#thrown("detached");
            const handle = clock.setTimeout(() => {
              world.external.delete(handle);
              tally.fault(record, "detached-fail", error);
              this.#fail(error);
            }, random.int(1, 20_000));
            world.external.add(handle);
            this.#planFault();
            return;
          }
          case "handler-throw":
          case "handler-reject":
            this.#armedHandler = kind;
            return;
          case "cron-throw":
          case "cron-reject":
            this.#armedCron = kind;
            return;
          case "cron-hang":
            // only cron triggers carry a timeout
            this.#armedCron = profile.trigger === "cron" ? "cron-hang" : "cron-throw";
            return;
          case "hang":
            this.#hanging = true;
            tally.fault(record, "hang", undefined, (record.lastBeatAt ?? clock.now()) + world.heartbeatTimeout);
            return;
          default:
            return;
        }
      });
    }

    /** A timer on the incarnation's clock whose callback first checks that the incarnation may still run code. */
    #later(ms: number, fn: () => void): void {
      this.clock.setTimeout(() => {
        if (this.#alive("timer")) fn();
      }, Math.max(0, ms));
    }

    /**
     * Whether this instance may still run code now. An ended incarnation gets
     * nothing: no message, no timer, no trigger. The one exception is the
     * graceful stop: between the abort of its signal and the end of its `stop()`
     * (at most `stopTimeout`), its timers and handlers still run, so that `stop()`
     * can wait for its own work.
     */
    #alive(what: string): boolean {
      const record = this.record;
      record.deliveries++;
      if (!this.signal.aborted) return true;
      const now = clock.now();
      const stopping =
        record.stopCalledAt !== undefined &&
        record.stopCalledAt === record.abortedAt &&
        now <= Math.min(record.stopSettledAt ?? Infinity, record.stopCalledAt + world.stopTimeout);
      if (!stopping) {
        tally.violation(`${profile.name}#${record.index}: ${what} reached it at ${tally.elapsed(now)}, after its incarnation ended at ${tally.elapsed(record.abortedAt)}`);
      }
      return stopping;
    }

    /**
     * What this fault throws, rejects with or passes to `fail()`: a plain Error,
     * or (with probability `world.hostileChance`, from the agent's own stream) a
     * fresh hostile value of a kind drawn from the catalogue; always one when `hostile`.
     */
    #thrown(where: string, hostile = false): unknown {
      const label = `${profile.name}#${this.record.index} ${where} fault #${this.record.faults.length + 1}`;
      if (hostile || (world.hostileChance > 0 && hostileRandom.chance(world.hostileChance))) return hostileValue(hostileRandom.pick(HOSTILE_KINDS), label);
      return new Error(label);
    }

    /** `fail()`, which must report the crash and return whatever it is given: it never throws back into the agent. */
    #fail(error: unknown): void {
      try {
        this.fail(error);
      } catch (thrown) {
        tally.violation(`${profile.name}#${this.record.index}: fail(${showThrown(error)}) threw back into the agent: ${showThrown(thrown)}`);
      }
    }
  }
  return ChaosAgent;
}

function chooseStop(random: Random, weights: Readonly<Record<StopMode, number>>): StopMode {
  const entries = Object.entries(weights) as Array<[StopMode, number]>;
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random() * total;
  for (const [mode, weight] of entries) {
    draw -= weight;
    if (draw < 0) return mode;
  }
  return "ok";
}
