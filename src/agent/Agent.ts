import pRetry, { AbortError } from "p-retry";
import type { TopicMap } from "../bus/Bus.js";
import type { AgentBusView } from "./AgentBusView.js";
import { expected } from "../check.js";
import type { Clock } from "../clock.js";
import { invalidOption } from "../errors/invalidOption.js";
import type { Logger } from "../logger.js";
import type { CronTick } from "../schedule/ScheduleSpec.js";
import type { Escalation } from "../supervisor/Escalation.js";
import type { LeaseView } from "../lease/LeaseStore.js";
import type { AgentContext } from "./AgentContext.js";
import type { StandardSchemaV1 } from "./StandardSchema.js";
import { backoffDelay } from "../supervisor/backoff.js";

/**
 * Marks agent classes. A `Symbol.for` brand rather than `instanceof`, so that an
 * agent class built on one copy of the package (say a YAML-loaded CommonJS
 * module) is recognised by another (the host's ES module copy).
 */
export const AGENT_BRAND: unique symbol = Symbol.for("@acme/agent-orchestrator.agent") as never;

/** Options of {@link Agent.retry}. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 5 */
  retries?: number;
  /** First delay in ms. @default 1000 */
  initial?: number;
  /** Cap of the delay in ms. @default 30000 */
  max?: number;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /** Share of each delay randomly taken off, in [0, 1]. @default 0.2 */
  jitter?: number;
  /** Return false to stop retrying on this error. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
}

/**
 * Base class of every agent. Override what you need; everything else is a no-op.
 *
 * - `start()` — bring the agent up (subscribe, connect). A throw or rejection is a crash.
 * - `stop()` — release what `start()` took; bounded by `stopTimeout`.
 * - `onCron(tick)` — called for each slot of the agent's triggers (`schedule:`).
 * - `onEscalation(event)` — called on the chief agent for every escalation.
 *
 * `Config` is the type of `this.config`. A class may declare `static
 * configSchema`, any Standard Schema v1 (zod, valibot, arktype, …): the
 * orchestrator validates `agents.<name>.config` with it once, before any agent
 * starts (`createOrchestrator()` throws a `ConfigError` `AGENT_CONFIG_INVALID`
 * at the YAML position of each issue; `start()` rejects with it for an agent
 * loaded by `module:` or a schema that validates asynchronously), and every
 * incarnation's `this.config` is the schema's output. With a schema and no
 * `config:`, `undefined` is validated, so the schema's defaults apply.
 * `Topics` types `this.bus` as `createBus<Topics>()` is typed: payloads of the
 * map's topics are checked on publish, request and subscribe.
 *
 * @typeParam Config - the type of `this.config` (the schema's output, `InferOutput<typeof schema>`, when the class declares one)
 * @typeParam Topics - optional map of topics to payload types for `this.bus`
 * @example
 * ```ts
 * const feedConfig = z.object({ symbols: z.array(z.string()).min(1) });
 * type Topics = { [topic: `prices.${string}`]: { px: number } };
 *
 * class Feed extends Agent<InferOutput<typeof feedConfig>, Topics> {
 *   static readonly agentName = "feed";
 *   static readonly configSchema = feedConfig;
 *   override async onCron(tick: CronTick): Promise<void> {
 *     for (const symbol of this.config.symbols) {
 *       await this.bus.publish(`prices.${symbol}`, { px: await quote(symbol, { signal: tick.signal }) });
 *     }
 *   }
 * }
 * ```
 */
export abstract class Agent<Config = unknown, Topics extends object = TopicMap> {
  /** Brand recognised by the orchestrator: marks a class as an Agent across copies of this package. */
  static readonly [AGENT_BRAND] = true;

  /** The agent's registered name. */
  readonly name: string;
  /**
   * This incarnation's view of the bus (subscriptions end with the
   * incarnation; handler errors are crashes), typed by `Topics`.
   */
  readonly bus: AgentBusView<Topics>;
  /** Logger whose entries carry `{ agent: name }`. */
  readonly log: Logger;
  /** `agents.<name>.config` from the configuration: the output of the class's `configSchema` when it declares one. */
  readonly config: Config;
  /** The orchestrator's clock; timers set through it are cleared when the incarnation ends. */
  readonly clock: Clock;
  readonly #context: AgentContext<Config>;

  /** @throws ConfigError `INVALID_OPTION` when not given the orchestrator's context (a subclass that forgot `super(context)`) */
  constructor(context: AgentContext<Config>) {
    if (typeof context !== "object" || context === null || typeof context.heartbeat !== "function") {
      const what = "the context object the orchestrator passes to the constructor (pass it on with `super(context)`)";
      throw invalidOption(`Agent: ${expected("context", what, context)}`, "context", context);
    }
    this.#context = context;
    this.name = context.name;
    // the view checks topics at run time; the map only narrows what the compiler accepts
    this.bus = context.bus as AgentBusView<Topics>;
    this.log = context.log;
    this.config = context.config;
    this.clock = context.clock;
  }

  /**
   * Aborted when this incarnation stops, crashes or is abandoned: pass it to fetches, sockets, loops.
   * (Read from the context when first asked for: an agent that never reads it costs no AbortController.)
   */
  get signal(): AbortSignal {
    return this.#context.signal;
  }

  /**
   * For a singleton agent (`placement: singleton`), its lease on this replica:
   * `token` is the fencing token that messages it publishes carry (header
   * `Ao-Lease-Token`); pass it to anything that must refuse a stale holder (a
   * database row, an exchange session). `expiresAt` moves on at each renewal.
   * `undefined` for an agent placed everywhere (docs/cluster.md).
   */
  get lease(): LeaseView | undefined {
    return this.#context.lease;
  }

  /** Bring the agent up. A throw or rejection is a crash, handled by the agent's restart policy. */
  start(): void | Promise<void> {}

  /** Release what `start()` took. Bounded by `stopTimeout`; errors are reported, never crashes. */
  stop(): void | Promise<void> {}

  /**
   * Handle one slot of the agent's triggers. A throw or rejection is a crash.
   * `tick.signal` is this run's own signal: aborted past the trigger's `timeout`
   * and when the incarnation ends.
   */
  onCron(_tick: CronTick): void | Promise<void> {}

  /** On the chief agent: handle an escalation about another agent. */
  onEscalation(_event: Escalation): void | Promise<void> {}

  /** Tell the supervisor the agent is alive; required within `heartbeatTimeout` when one is set. */
  heartbeat(): void {
    this.#context.heartbeat();
  }

  /** Report a crash from code the supervisor does not watch (a socket callback, a detached promise). */
  fail(error: unknown): void {
    this.#context.fail(error);
  }

  /**
   * Retry transient work with exponential back-off on the agent's clock (so
   * tests run it on fake time), stopping when the incarnation ends. Built on
   * `p-retry`; throw `Agent.abortRetry(error)` from `fn` to stop at once. As in
   * p-retry, a `TypeError` that is not a network error is not retried.
   *
   * @example
   * ```ts
   * const quote = await this.retry(() => api.quote("AAPL"), { retries: 3, initial: 200 });
   * ```
   */
  retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
    const { retries = 5, initial = 1_000, max = 30_000, factor = 2, jitter = 0.2, shouldRetry } = options;
    const clock = this.clock;
    const signal = this.signal;
    const random = this.#context.random ?? Math.random;
    return pRetry(fn, {
      retries,
      signal,
      // p-retry waits on the global timers; waiting in onFailedAttempt on the
      // agent's clock instead keeps the delay on injected time.
      minTimeout: 0,
      maxTimeout: 0,
      ...(shouldRetry ? { shouldRetry: ({ error, attemptNumber }) => shouldRetry(error, attemptNumber) } : {}),
      onFailedAttempt: async ({ attemptNumber, retriesLeft }) => {
        if (retriesLeft <= 0) return;
        const delay = backoffDelay(attemptNumber - 1, { initial, max, factor, jitter }, random);
        await new Promise<void>((resolve, reject) => {
          if (signal.aborted) return reject(signal.reason as Error);
          const onAbort = () => {
            clock.clearTimeout(handle);
            reject(signal.reason as Error);
          };
          const handle = clock.setTimeout(() => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          }, delay);
          signal.addEventListener("abort", onAbort, { once: true });
        });
      },
    });
  }

  /** Wrap an error so that {@link Agent.retry} stops retrying and rejects with it. */
  static abortRetry(error: Error | string): Error {
    return new AbortError(error);
  }
}

/**
 * A concrete agent class, whatever its `Config` and `Topics` types: what
 * registrations and YAML modules provide. (Its constructor takes the context
 * the orchestrator builds; `never` lets a class typed `Agent<{ symbols:
 * string[] }>` qualify. `Bus<Topics>` is invariant in `Topics`, as a topic map
 * narrows both what may be published and what a subscriber receives, so only
 * `any` admits the instance of every typed agent: the orchestrator drives
 * agents through their untyped view.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place a topic map is erased (see above)
export type AgentClass = (new (context: AgentContext<never>) => Agent<unknown, any>) & {
  readonly agentName?: string;
  /** The schema of the agent's `config` (see {@link Agent}). */
  readonly configSchema?: StandardSchemaV1 | undefined;
  readonly [AGENT_BRAND]?: boolean;
};

/** True when `value` is an agent class (by brand, across package copies). */
export function isAgentClass(value: unknown): value is AgentClass {
  return typeof value === "function" && (value as unknown as Record<symbol, unknown>)[AGENT_BRAND] === true;
}

/**
 * True when `agentClass` (or a class between it and `Agent`) defines `onCron`:
 * a trigger for an agent without one would fire and run nothing. The base
 * class is recognised by its own brand, so this holds across package copies.
 * (An `onCron` assigned in the constructor is not seen: define it as a method.)
 */
export function handlesCron(agentClass: AgentClass): boolean {
  let proto: unknown = agentClass.prototype;
  while (typeof proto === "object" && proto !== null && !Object.hasOwn(proto, "onCron")) proto = Object.getPrototypeOf(proto);
  if (typeof proto !== "object" || proto === null) return false;
  const owner: unknown = (proto as { constructor?: unknown }).constructor;
  return !(typeof owner === "function" && Object.hasOwn(owner, AGENT_BRAND));
}
