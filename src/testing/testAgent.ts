import type { Agent } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { AgentBus } from "../agent/AgentBus.js";
import { ScopedClock } from "../agent/ScopedClock.js";
import type { Logger } from "../logger.js";
import type { CronTick } from "../schedule/ScheduleSpec.js";
import { AgentCounters } from "../stats/AgentCounters.js";
import { FakeBus } from "./FakeBus.js";
import { ManualClock } from "./ManualClock.js";

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
  /** What would have been crashes under an orchestrator: a failing `start()`, handler errors, `fail()` calls, a failing `onCron`. */
  readonly crashes: unknown[];
  /** Entries the agent logged (when no `logger` was given). */
  readonly logs: TestLogEntry[];
  /** Number of `heartbeat()` calls. */
  readonly heartbeats: number;
  /** Call `onCron` as a trigger would, with a tick for now; resolves when it settles (a failure goes to `crashes`). */
  tick(trigger?: string): Promise<void>;
  /** Stop the agent as the orchestrator would: abort its signal, run `stop()`, remove its subscriptions and timers. */
  stop(): Promise<void>;
}

/**
 * Start one agent against a {@link FakeBus} and a {@link ManualClock}, without
 * an orchestrator, network or real time.
 *
 * @example
 * ```ts
 * const { agent, bus, clock, crashes, tick } = await testAgent(PriceFeed, { config: { symbols: ["AAPL"] } });
 * await tick();
 * expect(bus.messages("prices.>")).toHaveLength(1);
 * await clock.advance(5_000);
 * expect(crashes).toEqual([]);
 * ```
 */
export async function testAgent<A extends Agent<unknown>>(
  AgentClass: (new (context: AgentContext<ConfigOf<A>>) => A) & { readonly agentName?: string },
  options: TestAgentOptions<ConfigOf<A>> = {},
): Promise<AgentHarness<A>> {
  type Config = ConfigOf<A>;
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
  let heartbeats = 0;
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
  const agent = new AgentClass(context);
  try {
    await agent.start();
  } catch (error) {
    crashes.push(error);
  }
  let stopped = false;
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
      const now = clock.now();
      const tick: CronTick = { agent: name, trigger, scheduledAt: now, firedAt: now, key: `${name}:${trigger}:${new Date(now).toISOString()}` };
      try {
        await agent.onCron(tick);
      } catch (error) {
        crashes.push(error);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      controller.abort(new Error(`agent "${name}" is stopping`));
      try {
        await agent.stop();
      } catch (error) {
        crashes.push(error);
      }
      scoped.close();
      await view.close();
    },
  };
}
