import type { Agent } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { AgentBus } from "../agent/AgentBus.js";
import { ScopedClock } from "../agent/ScopedClock.js";
import { expected, OptionCheck } from "../check.js";
import { DEFAULTS } from "../config/defaults.js";
import { formatDuration, type Duration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import { invalidOption } from "../errors/invalidOption.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { Logger } from "../logger.js";
import { incarnationEnded } from "../schedule/CronRunner.js";
import { abortTick, cronTick, tickKey } from "../schedule/cronTick.js";
import type { CronTick, TickMessage } from "../schedule/ScheduleSpec.js";
import { AgentCounters } from "../stats/AgentCounters.js";
import { FakeBus } from "./FakeBus.js";
import { ManualClock } from "./ManualClock.js";
import { settleWithin } from "./settleWithin.js";

/** Options of {@link testAgent}. */
export interface TestAgentOptions<Config = unknown> {
  /** @default the class's static `agentName`, else "agent" */
  name?: string;
  /** Given to the agent as `this.config`. */
  config?: Config;
  /** @default a new FakeBus on the same clock */
  bus?: FakeBus;
  /** @default a new ManualClock at 2026-01-01T00:00:00Z */
  clock?: ManualClock;
  /** @default a logger that keeps entries in `logs` */
  logger?: Logger;
  /**
   * How long `start()` may take on the harness's clock, as the orchestrator's
   * `supervisor.startTimeout`: past it the start is a crash (`AgentError`
   * `AGENT_HUNG` in `crashes`) and the agent is abandoned.
   * @default "30s"
   */
  startTimeout?: Duration;
  /**
   * How long `stop()` may take on the harness's clock, as the orchestrator's
   * `supervisor.stopTimeout`: past it `AgentError` `AGENT_STOP_TIMEOUT` goes to
   * `crashes` and the agent is abandoned.
   * @default "5s"
   */
  stopTimeout?: Duration;
}

/** One log entry kept by {@link testAgent}. */
export interface TestLogEntry {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly fields: object;
  readonly message: string | undefined;
}

/** The `Config` type parameter of an agent class's instances. */
export type ConfigOf<A> = A extends Agent<infer Config> ? Config : unknown;

/** What {@link testAgent} returns. */
export interface AgentHarness<A = Agent> {
  /** The started agent. */
  readonly agent: A;
  /** The bus it talks over: inspect `bus.published`, drive it with `bus.deliver()`. */
  readonly bus: FakeBus;
  /** The clock it runs on: move time with `clock.advance()`. */
  readonly clock: ManualClock;
  /**
   * What would have been crashes under an orchestrator (a failing or hung
   * `start()`, handler errors, `fail()` calls, a failing `onCron`), and a
   * failing or overdue `stop()`. Never thrown at the test.
   */
  readonly crashes: unknown[];
  /** Entries the agent logged (when no `logger` was given). */
  readonly logs: TestLogEntry[];
  /** Number of `heartbeat()` calls. */
  readonly heartbeats: number;
  /**
   * Call `onCron` as a trigger would, with a tick for now built as the
   * orchestrator builds it; resolves when it settles (a failure goes to
   * `crashes`). The tick's `signal` is aborted when the harness stops.
   *
   * @throws LifecycleError `SHUT_DOWN` (a rejection) once `stop()` has been called or the agent was abandoned
   * @throws ConfigError `INVALID_OPTION` (a rejection) for a `trigger` that is not a non-empty string
   */
  tick(trigger?: string): Promise<void>;
  /**
   * Stop the agent as the orchestrator would: abort its signal, run `stop()`
   * within `stopTimeout`, then remove its subscriptions and timers and abort
   * the signals of ticks still running. Idempotent: a second call joins the first.
   */
  stop(): Promise<void>;
}

/**
 * Start one agent against a {@link FakeBus} and a {@link ManualClock}, without
 * an orchestrator, network or real time.
 *
 * `start()` and `stop()` are bounded on the harness's clock, as the
 * orchestrator bounds them (`startTimeout`, `stopTimeout`). When the harness
 * made the clock (no `clock` option), nothing else can move it while
 * `start()` or `stop()` is pending, so the harness does: once promises have
 * settled it fires the next due timer, and so on up to the deadline. A
 * `start()` waiting on the agent's own timers finishes; one that never
 * settles is a hung crash instead of a test that never ends. With your own
 * `clock`, the harness never moves it: advance it yourself while awaiting.
 *
 * @example
 * ```ts
 * const { agent, bus, clock, crashes, tick } = await testAgent(PriceFeed, { config: { symbols: ["AAPL"] } });
 * await tick();
 * expect(bus.messages("prices.>")).toHaveLength(1);
 * await clock.advance(5_000);
 * expect(crashes).toEqual([]);
 * ```
 * @throws ConfigError `INVALID_OPTION` for a `startTimeout` or `stopTimeout` that is not a duration of at least 1 ms
 */
export async function testAgent<A extends Agent<unknown>>(
  AgentClass: (new (context: AgentContext<ConfigOf<A>>) => A) & { readonly agentName?: string },
  options: TestAgentOptions<ConfigOf<A>> = {},
): Promise<AgentHarness<A>> {
  const startTimeout = timeoutOption(options.startTimeout, "startTimeout", DEFAULTS.supervisor.startTimeout);
  const stopTimeout = timeoutOption(options.stopTimeout, "stopTimeout", DEFAULTS.supervisor.stopTimeout);
  const clock = options.clock ?? new ManualClock(new Date("2026-01-01T00:00:00Z"));
  const bus = options.bus ?? new FakeBus({ clock });
  const run = new HarnessRun(options.name ?? AgentClass.agentName ?? "agent", clock, options.clock === undefined, bus, options.logger);
  const agent = new AgentClass(run.context(options.config as ConfigOf<A>));
  await run.start(agent, startTimeout);
  return {
    agent,
    bus,
    clock,
    crashes: run.crashes,
    logs: run.logs,
    get heartbeats() {
      return run.heartbeats;
    },
    tick: (trigger = "test") => run.tick(agent, trigger),
    stop: () => run.stop(agent, stopTimeout),
  };
}

/** One agent's run under {@link testAgent}: its incarnation's signal, timers, bus view and running ticks, and what it recorded. */
class HarnessRun {
  readonly crashes: unknown[] = [];
  readonly logs: TestLogEntry[] = [];
  heartbeats = 0;
  readonly #name: string;
  readonly #clock: ManualClock;
  /** The harness made the clock, so it moves it while `start()` or `stop()` is pending. */
  readonly #ownsClock: boolean;
  readonly #logger: Logger;
  readonly #controller = new AbortController();
  readonly #scoped: ScopedClock;
  readonly #view: AgentBus;
  /** The signals of the ticks running now. */
  readonly #runs = new Set<CronTick>();
  /** Why `tick()` is refused: set once the agent is stopping, stopped or abandoned. */
  #refusal: string | undefined;
  #stopping: Promise<void> | undefined;

  constructor(name: string, clock: ManualClock, ownsClock: boolean, bus: FakeBus, logger: Logger | undefined) {
    this.#name = name;
    this.#clock = clock;
    this.#ownsClock = ownsClock;
    this.#logger = logger ?? recordingLogger(this.logs);
    this.#scoped = new ScopedClock(clock);
    this.#view = new AgentBus(bus, name, new AgentCounters(), { onHandlerError: (error) => this.crashes.push(error) });
  }

  /** The context the agent's constructor is given. */
  context<Config>(config: Config): AgentContext<Config> {
    return {
      name: this.#name,
      bus: this.#view,
      log: this.#logger,
      signal: this.#controller.signal,
      config,
      clock: this.#scoped,
      heartbeat: () => {
        this.heartbeats++;
      },
      fail: (error) => this.crashes.push(error),
    };
  }

  /** Run `start()` within `timeout`; a hung start is a crash, and the agent is abandoned. */
  async start(agent: Agent<unknown>, timeout: number): Promise<void> {
    const name = this.#name;
    const started = await settleWithin(this.#clock, timeout, this.#ownsClock, () => agent.start());
    if (started.kind === "failed") this.crashes.push(started.error);
    if (started.kind !== "timeout") return;
    const moved = this.#ownsClock
      ? "; the harness moved its own clock there, as nothing else was pending: to let start() wait on something else than this clock (a file, a socket), pass your own `clock` and move it yourself"
      : "";
    const error = new AgentError("AGENT_HUNG", name, `agent "${name}": start() did not settle within ${formatDuration(timeout)} (testAgent startTimeout)${moved}`);
    this.crashes.push(error);
    this.#refusal = `agent "${name}" was abandoned when its start() hung (AGENT_HUNG)`;
    this.#stopping = this.#release(error);
    await this.#stopping;
  }

  /** Call `onCron` with a tick for now, as a trigger would. */
  async tick(agent: Agent<unknown>, trigger: string): Promise<void> {
    if (typeof trigger !== "string" || trigger === "") {
      throw invalidOption(`testAgent: tick(): ${expected("trigger", "a non-empty string", trigger)}`, "trigger", trigger);
    }
    if (this.#refusal !== undefined) throw new LifecycleError("SHUT_DOWN", `testAgent: tick(${JSON.stringify(trigger)}) refused: ${this.#refusal}`);
    const now = this.#clock.now();
    const message: TickMessage = { agent: this.#name, trigger, scheduledAt: now, firedAt: now, key: tickKey(this.#name, trigger, now) };
    const run = cronTick(message);
    this.#runs.add(run);
    try {
      await agent.onCron(run);
    } catch (error) {
      this.crashes.push(error);
    } finally {
      this.#runs.delete(run);
    }
  }

  /** Stop the agent within `timeout`, then end its incarnation; a second call joins the first. */
  stop(agent: Agent<unknown>, timeout: number): Promise<void> {
    const name = this.#name;
    this.#stopping ??= (async () => {
      this.#refusal = `agent "${name}" is stopping or stopped (stop() was called)`;
      this.#controller.abort(new AgentError("AGENT_FAILED", name, `agent "${name}" is stopping`));
      const stopped = await settleWithin(this.#clock, timeout, this.#ownsClock, () => agent.stop());
      if (stopped.kind === "failed") this.crashes.push(stopped.error);
      if (stopped.kind === "timeout") {
        const message = `agent "${name}": stop() did not settle within ${formatDuration(timeout)} (testAgent stopTimeout); the agent is abandoned`;
        this.crashes.push(new AgentError("AGENT_STOP_TIMEOUT", name, message));
      }
      await this.#release(new AgentError("AGENT_FAILED", name, "stopped"));
    })();
    return this.#stopping;
  }

  /** The end of the agent's run, as the end of an incarnation: signal, timers, subscriptions, running ticks. */
  async #release(reason: unknown): Promise<void> {
    this.#controller.abort(reason);
    this.#scoped.close();
    for (const run of this.#runs) abortTick(run, incarnationEnded());
    this.#runs.clear();
    await this.#view.close();
  }
}

/** A logger that keeps its entries in `logs`. */
function recordingLogger(logs: TestLogEntry[]): Logger {
  const at = (level: TestLogEntry["level"]) => (fields: object, message?: string) => logs.push({ level, fields, message });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A `startTimeout` / `stopTimeout` option in ms, as `supervisor.*` accepts them: a duration of at least 1 ms (rounded). */
function timeoutOption(value: unknown, option: string, fallback: number): number {
  const ms = new OptionCheck("testAgent", invalidOption).optionalDuration(value, option, 'a duration of at least 1 ms ("500ms", "30s" or a number of ms)', 0.5);
  return ms === undefined ? fallback : Math.round(ms);
}
