import { Registry } from "prom-client";
import { ASYNC_DISPOSE } from "../disposeSymbols.js";
import { describeValue, hasMethods } from "../check.js";
import { ConfigError } from "../errors/ConfigError.js";
import { silentLogger } from "../logger.js";
import type { Logger } from "../logger.js";
import { evaluateHealth } from "./Health.js";
import type { HealthReport } from "./Health.js";
import { sendReply, toResponse } from "./HttpReply.js";
import { optionError } from "../errors/invalidOption.js";
import type { HandlerRequest, HandlerResponse, HttpHandler, HttpReply } from "./HttpReply.js";
import { startListeners } from "./Listeners.js";
import type { ListenOptions, Listening } from "./Listeners.js";
import { evaluateLiveness } from "./Liveness.js";
import { evaluateStartup } from "./Startup.js";
import type { ObservedSource } from "./ObservedSource.js";
import { AGENT_SERIES } from "./metricDefinitions.js";
import { registerOrchestratorMetrics } from "./OrchestratorMetrics.js";
import type { RegisteredMetrics } from "./OrchestratorMetrics.js";
import {
  healthReply,
  internalError,
  isReadMethod,
  livenessReply,
  methodNotAllowed,
  metricsReply,
  notFound,
  startupReply,
  wantsHealthJson,
} from "./replies.js";
import type { MetricsRegistry } from "./ScrapeMetric.js";
import { SharedScrape } from "./SharedScrape.js";
import { TextExposition } from "./TextExposition.js";
import { Pacer, SLICE_BYTES } from "./Pacer.js";
import type { ProbePath } from "./probePaths.js";
import type { StatusHandler } from "../status/StatusRequest.js";

/** The orchestrator's `metrics` option: where and how its metrics are exposed, and the `/livez` tolerance. */
export interface OrchestratorMetricsOptions {
  /**
   * The prom-client registry to register the metrics into: the host's own, to
   * expose them beside its metrics. Never prom-client's global `register`
   * unless passed here explicitly.
   * @default a new `Registry` of its own
   */
  registry?: MetricsRegistry;
  /**
   * Prepended to every metric name as it is (`"trading_"` gives
   * `trading_agent_state`); two orchestrators sharing a registry need distinct
   * prefixes. Must itself be a valid metric name start: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
   * @default ""
   */
  prefix?: string;
  /**
   * Also collect prom-client's default process metrics (CPU, memory, event
   * loop lag, GC) into the registry, with the same prefix.
   * @default false
   */
  defaultMetrics?: boolean;
  /**
   * How many loop intervals may pass without a tick of the orchestrator's
   * loop before `/livez` fails.
   * @default 3
   */
  livenessMissedTicks?: number;
  /**
   * Which series to expose per agent. `"essential"`: what an operator alerts
   * and pages on — `agent_info`, `agent_state`, `agent_disabled`,
   * `agent_restarts_total`, `agent_crashes_total{reason}`,
   * `agent_escalations_total{reason}` and `cron_triggers_skipped_total{reason}`
   * (18 series per agent; every shipped alert rule needs only these).
   * `"full"`: also `agent_handler_errors_total`, `agent_stop_failures_total`,
   * the `agent_handler_duration_seconds` histogram and
   * `cron_triggers_fired_total` (38 series per agent). The orchestrator-wide
   * series (phase, health, bus, `cron_lateness_seconds`) are exposed either way.
   * @default "essential"
   */
  agentSeries?: "essential" | "full";
  /**
   * Also expose `agent_status{agent,state}`: 1 for the agent's current state,
   * 0 for each of the others (the kube-state-metrics shape), so a graph tells
   * back-off from stopped or disabled. `agent_state{agent}` (1 only while
   * running) stays either way. Adds one series per agent and state (7 per
   * agent), on top of {@link OrchestratorMetricsOptions.agentSeries}; off by
   * default so that large hosts keep their scrape size.
   * @default false
   * @example
   * ```ts
   * createOrchestrator({ agents, metrics: { agentStatus: true } });
   * // agent_status{agent="feed",state="backoff"} 1
   * ```
   */
  agentStatus?: boolean;
}

/** The status page as the Fetch handler and the built-in listener serve it. */
export interface ObservedStatusPage {
  /** The node-style handler (`/statusz` on the built-in health listener). */
  readonly handler: StatusHandler;
  /** The Fetch form (paths ending in `/statusz`). */
  fetch(request: Request): Promise<Response>;
  /** Whether the built-in health listener serves it (the orchestrator's `status` option was given). */
  readonly listed: boolean;
}

/** Options of {@link createObservability}: the orchestrator's `metrics` option and its logger. */
export interface ObservabilityOptions extends OrchestratorMetricsOptions {
  /** The status page: `fetch` answers paths ending in `/statusz` with it, and the built-in listener when `listed`. @default none (404) */
  status?: ObservedStatusPage;
  /**
   * Where errors of the handlers and listeners are logged (responses never
   * carry them).
   * @default a silent logger
   */
  logger?: Logger;
}

/** Health, liveness and metrics of one orchestrator, and their HTTP handlers. */
export interface Observability {
  /** The registry the metrics are registered in. */
  readonly registry: MetricsRegistry;
  /** Content type of {@link Observability.metrics}' text (the registry's). */
  readonly contentType: string;
  /** Every metric name registered, prefix included. */
  readonly metricNames: readonly string[];
  /** The health report: ok (200) when running and every critical agent is up, else 503. */
  health(): HealthReport;
  /**
   * The Prometheus exposition text of the whole registry. Concurrent calls
   * (and scrapes through the handlers) share one render: a call made while a
   * render is in flight gets that render's text or error.
   */
  metrics(): Promise<string>;
  /** `GET`/`HEAD` readiness handler (`/readyz`, `/healthz`): 200 `ok` or 503; JSON on `Accept: application/health+json`. */
  readonly healthHandler: HttpHandler;
  /** The same function as {@link Observability.healthHandler}, under the name of the probe it answers (`/readyz`). */
  readonly readinessHandler: HttpHandler;
  /** `GET`/`HEAD` liveness handler (`/livez`): the orchestrator's own loop is alive, regardless of agents. */
  readonly livenessHandler: HttpHandler;
  /** `GET`/`HEAD` startup handler (`/startupz`): 200 once `start()` has resolved, 503 before. */
  readonly startupHandler: HttpHandler;
  /** `GET`/`HEAD` metrics handler (`/metrics`). */
  readonly metricsHandler: HttpHandler;
  /**
   * Fetch API handler (Hono, Bun, Deno): answers paths ending in `/readyz`,
   * `/healthz`, `/livez`, `/startupz` and `/metrics` wherever it is mounted,
   * 404 otherwise.
   */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Start the built-in listeners; {@link Observability.close} closes them. */
  listen(options?: ListenOptions): Promise<Listening>;
  /** Close every listener started by {@link Observability.listen}. Idempotent. */
  close(): Promise<void>;
  /** Remove the metrics from the registry (for a shared registry that outlives the orchestrator). Idempotent. */
  unregister(): void;
}

type Endpoint = "health" | "liveness" | "startup" | "metrics";

/** What each probe path answers: every {@link ProbePath} the adapters mount has its endpoint (a missing one does not compile). */
const ENDPOINTS: Readonly<Record<ProbePath, Endpoint>> = { readyz: "health", healthz: "health", livez: "liveness", startupz: "startup", metrics: "metrics" };

const PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const REGISTRY_METHODS = [
  "registerMetric",
  "getSingleMetric",
  "removeSingleMetric",
  "metrics",
  "getMetricsAsArray",
  "getSingleMetricAsString",
] as const;

function checkOptions(options: ObservabilityOptions): void {
  const { registry, prefix, defaultMetrics, livenessMissedTicks, agentSeries, agentStatus } = options;
  if (registry !== undefined && !hasMethods(registry, REGISTRY_METHODS)) {
    throw optionError("metrics.registry", "a prom-client Registry", registry);
  }
  if (prefix !== undefined && (typeof prefix !== "string" || (prefix !== "" && !PREFIX.test(prefix)))) {
    throw new ConfigError(`expected \`metrics.prefix\` to match [a-zA-Z_:][a-zA-Z0-9_:]* (e.g. "trading_"), got ${describeValue(prefix)}`, {
      code: "INVALID_OPTION",
      path: "metrics.prefix",
      value: prefix,
    });
  }
  if (defaultMetrics !== undefined && typeof defaultMetrics !== "boolean") {
    throw optionError("metrics.defaultMetrics", "a boolean", defaultMetrics);
  }
  if (
    livenessMissedTicks !== undefined &&
    (typeof livenessMissedTicks !== "number" || !Number.isFinite(livenessMissedTicks) || livenessMissedTicks < 1)
  ) {
    throw optionError("metrics.livenessMissedTicks", "a number of at least 1", livenessMissedTicks);
  }
  if (agentSeries !== undefined && !(AGENT_SERIES as readonly unknown[]).includes(agentSeries)) {
    throw optionError("metrics.agentSeries", AGENT_SERIES.map((value) => `"${value}"`).join(" or "), agentSeries);
  }
  if (agentStatus !== undefined && typeof agentStatus !== "boolean") {
    throw optionError("metrics.agentStatus", "a boolean", agentStatus);
  }
}

/** The last segment of a Fetch request's path (a trailing slash ignored), `undefined` for a URL that does not parse. */
function lastSegment(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  if (path.endsWith("/")) path = path.slice(0, -1);
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The endpoint a Fetch request asks for: the last segment of its path. */
function endpointOf(url: string): Endpoint | undefined {
  const last = lastSegment(url);
  return last !== undefined && Object.hasOwn(ENDPOINTS, last) ? ENDPOINTS[last as ProbePath] : undefined;
}

class ObservabilityImpl implements Observability {
  readonly registry: MetricsRegistry;
  readonly #source: ObservedSource;
  readonly #logger: Logger;
  readonly #status: ObservedStatusPage | undefined;
  readonly #missedTicks: number;
  readonly #registered: RegisteredMetrics;
  readonly #listeners = new Set<Listening>();
  readonly #scrapes: SharedScrape;
  /** Spreads the replies of one shared render over macrotasks. */
  readonly #sends = new Pacer(SLICE_BYTES);

  constructor(source: ObservedSource, options: ObservabilityOptions) {
    checkOptions(options);
    this.#source = source;
    this.#logger = options.logger ?? silentLogger;
    this.#status = options.status;
    this.#missedTicks = options.livenessMissedTicks ?? 3;
    this.registry = options.registry ?? new Registry();
    this.#registered = registerOrchestratorMetrics(source, {
      registry: this.registry,
      prefix: options.prefix ?? "",
      defaultMetrics: options.defaultMetrics ?? false,
      agentSeries: options.agentSeries ?? "essential",
      agentStatus: options.agentStatus ?? false,
    });
    const exposition = new TextExposition(this.registry, this.#registered.metrics);
    this.#scrapes = new SharedScrape(
      () => exposition.render(),
      (text) =>
        text.then(
          (body) => metricsReply(body, this.registry.contentType),
          (error: unknown) => {
            this.#logger.error({ err: error, endpoint: "metrics" }, "observability endpoint failed");
            return internalError();
          },
        ),
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  get metricNames(): readonly string[] {
    return this.#registered.names;
  }

  health(): HealthReport {
    return evaluateHealth(this.#source).report;
  }

  metrics(): Promise<string> {
    return this.#scrapes.text();
  }

  readonly healthHandler: HttpHandler = (req, res) => {
    this.#serve(req, res, "health");
  };

  readonly readinessHandler: HttpHandler = this.healthHandler;

  readonly livenessHandler: HttpHandler = (req, res) => {
    this.#serve(req, res, "liveness");
  };

  readonly startupHandler: HttpHandler = (req, res) => {
    this.#serve(req, res, "startup");
  };

  readonly metricsHandler: HttpHandler = (req, res) => {
    this.#serve(req, res, "metrics");
  };

  readonly fetch = async (request: Request): Promise<Response> => {
    const head = request.method === "HEAD";
    if (this.#status !== undefined && lastSegment(request.url) === "statusz") return this.#status.fetch(request);
    const endpoint = endpointOf(request.url);
    if (endpoint === undefined) return toResponse(notFound(), head);
    return toResponse(await this.#reply(endpoint, request.method, request.headers.get("accept")), head);
  };

  async listen(options: ListenOptions = {}): Promise<Listening> {
    const status = this.#status?.listed === true ? { status: this.#status.handler } : {};
    const routes = { health: this.healthHandler, liveness: this.livenessHandler, startup: this.startupHandler, metrics: this.metricsHandler, ...status };
    const listening = await startListeners(routes, options, this.#logger);
    const listeners = this.#listeners;
    listeners.add(listening);
    const close = (): Promise<void> => {
      listeners.delete(listening);
      return listening.close();
    };
    return { healthPort: listening.healthPort, metricsPort: listening.metricsPort, close, [ASYNC_DISPOSE]: close };
  }

  async close(): Promise<void> {
    const open = [...this.#listeners];
    this.#listeners.clear();
    await Promise.all(open.map((listening) => listening.close()));
  }

  unregister(): void {
    this.#registered.unregister();
  }

  #serve(req: HandlerRequest, res: HandlerResponse, endpoint: Endpoint): void {
    const head = req.method === "HEAD";
    const reply = this.#reply(endpoint, req.method, req.headers.accept);
    if (reply instanceof Promise) {
      reply.then(
        (value) => this.#sendOnTurn(res, value, head),
        (error: unknown) => this.#fail(res, error, endpoint, head),
      );
    } else {
      this.#send(res, reply, head);
    }
  }

  /** Send a reply of a shared render: every scraper joined to it gets it in the same moment, so they are written in turns. */
  #sendOnTurn(res: HandlerResponse, reply: HttpReply, head: boolean): void {
    const size = head || reply.bytes === undefined ? 0 : reply.bytes.byteLength;
    void this.#sends.turn(size).then(() => this.#send(res, reply, head));
  }

  #send(res: HandlerResponse, reply: HttpReply, head: boolean): void {
    try {
      sendReply(res, reply, head);
    } catch (error) {
      this.#logger.error({ err: error }, "could not write an observability response");
    }
  }

  #fail(res: HandlerResponse, error: unknown, endpoint: Endpoint, head: boolean): void {
    this.#logger.error({ err: error, endpoint }, "observability endpoint failed");
    this.#send(res, internalError(), head);
  }

  /** The reply of `endpoint`: synchronous for health and liveness, a promise for metrics. Never throws. */
  #reply(endpoint: Endpoint, method: string | undefined, accept: string | null | undefined): HttpReply | Promise<HttpReply> {
    if (!isReadMethod(method)) return methodNotAllowed();
    try {
      switch (endpoint) {
        case "health":
          return healthReply(evaluateHealth(this.#source), wantsHealthJson(accept));
        case "liveness":
          return livenessReply(evaluateLiveness(this.#source, this.#missedTicks), wantsHealthJson(accept));
        case "startup":
          return startupReply(evaluateStartup(this.#source), wantsHealthJson(accept));
        case "metrics":
          return this.#scrapes.reply();
      }
    } catch (error) {
      this.#logger.error({ err: error, endpoint }, "observability endpoint failed");
      return internalError();
    }
  }
}

/**
 * Health, liveness and Prometheus metrics over an {@link ObservedSource}, with
 * handlers for `node:http`-style servers and the Fetch API, and built-in
 * listeners. The orchestrator creates one and delegates to it.
 *
 * @throws ConfigError `INVALID_OPTION` for a bad option (naming it in `path`), ObservabilityError
 *   `METRICS_CONFLICT` when a metric name is taken in the registry.
 *
 * @example
 * ```ts
 * const observability = createObservability(source, { prefix: "trading_" });
 * app.get("/healthz", observability.healthHandler);
 * app.get("/metrics", observability.metricsHandler);
 * const listening = await observability.listen({ healthPort: 0, metricsPort: 0 });
 * ```
 */
export function createObservability(source: ObservedSource, options: ObservabilityOptions = {}): Observability {
  return new ObservabilityImpl(source, options);
}
