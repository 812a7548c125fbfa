import type { Agent, AgentClass } from "../agent/Agent.js";
import type { AgentBusView } from "../agent/AgentBusView.js";
import type { AgentContext } from "../agent/AgentContext.js";
import type { StandardSchemaV1 } from "../agent/StandardSchema.js";
import { validateAgentConfig } from "../agent/validateAgentConfig.js";
import type { Bus, TopicMap } from "../bus/Bus.js";
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
export interface TestAgentOptions<Config = unknown, Topics extends object = TopicMap> {
  /** @default the class's static `agentName`, else "agent" */
  name?: string;
  /**
   * The agent's config, as `agents.<name>.config` would give it: validated
   * with the class's `configSchema` when it declares one (so written as the
   * schema's input; `this.config` is its output), else given as is.
   */
  config?: Config;
  /** @default a new FakeBus on the same clock */
  bus?: FakeBus<Topics>;
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
export type ConfigOf<A> = A extends { readonly config: infer Config } ? Config : unknown;

/** The `Topics` type parameter of an agent class's instances (the map its `this.bus` is typed with). */
export type TopicsOf<A> = A extends { readonly bus: AgentBusView<infer Topics> } ? Topics : TopicMap;

/** What {@link testAgent} accepts as `config`: the input of the class's `configSchema`, else its `Config`. */
export type ConfigInputOf<A, Schema> = Schema extends StandardSchemaV1<infer Input, unknown> ? Input : ConfigOf<A>;

/** What {@link testAgent} returns. */
export interface AgentHarness<A = Agent> {
  /** The started agent. */
  readonly agent: A;
  /** The bus it talks over, typed with the agent's topic map: inspect `bus.published`, drive it with `bus.deliver()`. */
  readonly bus: FakeBus<TopicsOf<A>>;
  /** The clock it runs on: move time with `clock.advance()`. */
  readonly clock: ManualClock;
  /**
   * What would have been crashes under an orchestrator (a failing or hung
   * `start()`, handler errors, `fail()` calls, a failing `onCron`), and a
   * failing or overdue `stop()`. Never thrown at the test. The same array
   * for the whole run: a reference taken by destructuring sees later entries.
   */
  readonly crashes: unknown[];
  /** Entries the agent logged (when no `logger` was given); like `crashes`, one live array. */
  readonly logs: TestLogEntry[];
  /**
   * The number of `heartbeat()` calls so far. A function, so that
   * `const { heartbeats } = await testAgent(…)` reads the count when called,
   * not when destructured.
   */
  heartbeats(): number;
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
 * The class's `configSchema`, when it declares one, is applied to `config`
 * as the orchestrator applies it: `this.config` is the schema's output, and a
 * refused config rejects with the same `ConfigError` (`AGENT_CONFIG_INVALID`)
 * before the agent is built.
 *
 * @example
 * ```ts
 * const { agent, bus, clock, crashes, heartbeats, tick } = await testAgent(PriceFeed, { config: { symbols: ["AAPL"] } });
 * await tick();
 * expect(bus.messages("prices.>")).toHaveLength(1);
 * await clock.advance(5_000);
 * expect(crashes).toEqual([]);
 * expect(heartbeats()).toBe(1);
 * ```
 * @throws ConfigError `INVALID_OPTION` for a `startTimeout` or `stopTimeout` that is not a duration of at least 1 ms
 * @throws ConfigError `AGENT_CONFIG_INVALID` (a rejection) when the class's `configSchema` refuses `config`
 */
export async function testAgent<A extends InstanceType<AgentClass>, Schema extends StandardSchemaV1 | undefined = undefined>(
  AgentClass: (new (context: AgentContext<never>) => A) & { readonly agentName?: string; readonly configSchema?: Schema },
  options: TestAgentOptions<ConfigInputOf<A, Schema>, TopicsOf<A>> = {},
): Promise<AgentHarness<A>> {
  const startTimeout = timeoutOption(options.startTimeout, "startTimeout", DEFAULTS.supervisor.startTimeout);
  const stopTimeout = timeoutOption(options.stopTimeout, "stopTimeout", DEFAULTS.supervisor.stopTimeout);
  const name = options.name ?? AgentClass.agentName ?? "agent";
  const { value: config } = await validateAgentConfig({ agent: name, agentClass: AgentClass, config: options.config });
  const clock = options.clock ?? new ManualClock(new Date("2026-01-01T00:00:00Z"));
  const bus = options.bus ?? new FakeBus<TopicsOf<A>>({ clock });
  const run = new HarnessRun(name, clock, options.clock === undefined, bus, options.logger);
  const agent = new AgentClass(run.context(config) as AgentContext<never>);
  await run.start(agent, startTimeout);
  return {
    agent,
    bus,
    clock,
    crashes: run.crashes,
    logs: run.logs,
    heartbeats: () => run.heartbeats,
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

  constructor(name: string, clock: ManualClock, ownsClock: boolean, bus: Bus, logger: Logger | undefined) {
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
  async start(agent: InstanceType<AgentClass>, timeout: number): Promise<void> {
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
  async tick(agent: InstanceType<AgentClass>, trigger: string): Promise<void> {
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
  stop(agent: InstanceType<AgentClass>, timeout: number): Promise<void> {
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
