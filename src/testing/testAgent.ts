import type { Agent } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { AgentBus } from "../agent/AgentBus.js";
import { ScopedClock } from "../agent/ScopedClock.js";
import { describeValue } from "../bus/describeValue.js";
import { DEFAULTS } from "../config/defaults.js";
import { formatDuration, toMilliseconds, type Duration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { Logger } from "../logger.js";
import { incarnationEnded } from "../schedule/CronRunner.js";
import { cronTick, tickKey } from "../schedule/cronTick.js";
import type { TickMessage } from "../schedule/ScheduleSpec.js";
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
 * @throws TypeError for a `startTimeout` or `stopTimeout` that is not a duration of at least 1 ms
 */
export async function testAgent<A extends Agent<unknown>>(
  AgentClass: (new (context: AgentContext<ConfigOf<A>>) => A) & { readonly agentName?: string },
  options: TestAgentOptions<ConfigOf<A>> = {},
): Promise<AgentHarness<A>> {
  type Config = ConfigOf<A>;
  const startTimeout = timeoutOption(options.startTimeout, "startTimeout", DEFAULTS.supervisor.startTimeout);
  const stopTimeout = timeoutOption(options.stopTimeout, "stopTimeout", DEFAULTS.supervisor.stopTimeout);
  const ownsClock = options.clock === undefined;
  const clock = options.clock ?? new ManualClock(new Date("2026-01-01T00:00:00Z"));
  const bus = options.bus ?? new FakeBus({ clock });
  const name = options.name ?? AgentClass.agentName ?? "agent";
  const crashes: unknown[] = [];
  const logs: TestLogEntry[] = [];
  const logger: Logger = options.logger ?? {
    debug: (fields, message) => logs.push({ level: "debug", fields, message }),
    info: (fields, message) => logs.push({ level: "info", fields, message }),
    warn: (fields, message) => logs.push({ level: "warn", fields, message }),
    error: (fields, message) => logs.push({ level: "error", fields, message }),
  };
  const controller = new AbortController();
  const scoped = new ScopedClock(clock);
  const view = new AgentBus(bus, name, new AgentCounters(), { onHandlerError: (error) => crashes.push(error) });
  /** The signals of the ticks running now. */
  const runs = new Set<AbortController>();
  let heartbeats = 0;
  /** Why `tick()` is refused: set once the agent is stopping, stopped or abandoned. */
  let refusal: string | undefined;
  let stopping: Promise<void> | undefined;
  const context: AgentContext<Config> = {
    name,
    bus: view,
    log: logger,
    signal: controller.signal,
    config: options.config as Config,
    clock: scoped,
    heartbeat: () => {
      heartbeats++;
    },
    fail: (error) => crashes.push(error),
  };
  /** The end of the agent's run, as the end of an incarnation: signal, timers, subscriptions, running ticks. */
  const release = async (reason: unknown): Promise<void> => {
    controller.abort(reason);
    scoped.close();
    for (const run of runs) run.abort(incarnationEnded());
    runs.clear();
    await view.close();
  };

  const agent = new AgentClass(context);
  const started = await settleWithin(clock, startTimeout, ownsClock, () => agent.start());
  if (started.kind === "failed") crashes.push(started.error);
  if (started.kind === "timeout") {
    const error = new AgentError(
      "AGENT_HUNG",
      name,
      `agent "${name}": start() did not settle within ${formatDuration(startTimeout)} (testAgent startTimeout)` +
        (ownsClock
          ? "; the harness moved its own clock there, as nothing else was pending: to let start() wait on something else than this clock (a file, a socket), pass your own `clock` and move it yourself"
          : ""),
    );
    crashes.push(error);
    refusal = `agent "${name}" was abandoned when its start() hung (AGENT_HUNG)`;
    stopping = release(error);
    await stopping;
  }

  return {
    agent,
    bus,
    clock,
    crashes,
    logs,
    get heartbeats() {
      return heartbeats;
    },
    async tick(trigger = "test") {
      if (typeof trigger !== "string" || trigger === "") {
        throw new TypeError(`testAgent: expected tick()'s \`trigger\` to be a non-empty string, got ${describeValue(trigger)}`);
      }
      if (refusal !== undefined) throw new LifecycleError("SHUT_DOWN", `testAgent: tick(${JSON.stringify(trigger)}) refused: ${refusal}`);
      const now = clock.now();
      const message: TickMessage = { agent: name, trigger, scheduledAt: now, firedAt: now, key: tickKey(name, trigger, now) };
      const run = new AbortController();
      runs.add(run);
      try {
        await agent.onCron(cronTick(message, run.signal));
      } catch (error) {
        crashes.push(error);
      } finally {
        runs.delete(run);
      }
    },
    stop() {
      stopping ??= (async () => {
        refusal = `agent "${name}" is stopping or stopped (stop() was called)`;
        controller.abort(new AgentError("AGENT_FAILED", name, `agent "${name}" is stopping`));
        const stopped = await settleWithin(clock, stopTimeout, ownsClock, () => agent.stop());
        if (stopped.kind === "failed") crashes.push(stopped.error);
        if (stopped.kind === "timeout") {
          crashes.push(
            new AgentError(
              "AGENT_STOP_TIMEOUT",
              name,
              `agent "${name}": stop() did not settle within ${formatDuration(stopTimeout)} (testAgent stopTimeout); the agent is abandoned`,
            ),
          );
        }
        await release(new AgentError("AGENT_FAILED", name, "stopped"));
      })();
      return stopping;
    },
  };
}

/** A `startTimeout` / `stopTimeout` option in ms, as `supervisor.*` accepts them: a duration of at least 1 ms. */
function timeoutOption(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = toMilliseconds(value);
  if (ms === undefined || Math.round(ms) < 1) {
    throw new TypeError(`testAgent: expected \`${option}\` to be a duration of at least 1 ms ("500ms", "30s" or a number of ms), got ${describeValue(value)}`);
  }
  return Math.round(ms);
}
