import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { ASYNC_DISPOSE } from "../disposeSymbols.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { HttpHandler } from "./HttpReply.js";
import { optionError } from "../errors/invalidOption.js";
import { ObservabilityError } from "./ObservabilityError.js";
import { sendReply } from "./HttpReply.js";
import { notFound } from "./replies.js";
import type { StatusHandler } from "../status/StatusRequest.js";

/** Options of `listen()`. */
export interface ListenOptions {
  /**
   * Port of the health listener (`/readyz`, `/healthz`, `/livez`, `/startupz`); 0 picks a free port.
   * When it equals a non-zero `metricsPort`, one listener serves all three
   * paths (with both 0, each listener gets a free port of its own).
   * @default 8000
   */
  healthPort?: number;
  /**
   * Port of the metrics listener (`/metrics`); 0 picks a free port.
   * @default 8001
   */
  metricsPort?: number;
  /**
   * Interface to bind, e.g. `"127.0.0.1"`.
   * @default all interfaces
   */
  host?: string;
  /**
   * Whether the listeners keep the process alive. With `false` they are
   * `unref`'d, so the host can exit while they are still open.
   * @default true
   */
  keepAlive?: boolean;
}

/** The built-in listeners, as `listen()` bound them. */
export interface Listening {
  /** The bound health port (the actual one when 0 was asked). */
  readonly healthPort: number;
  /** The bound metrics port (equal to `healthPort` when one listener serves both). */
  readonly metricsPort: number;
  /** Close the listeners and their open connections. Idempotent. */
  close(): Promise<void>;
  /** The same as {@link Listening.close}: `await using listening = await orch.listen()` closes them at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The handlers the listeners route to. */
export interface ListenerRoutes {
  readonly health: HttpHandler;
  readonly liveness: HttpHandler;
  readonly startup: HttpHandler;
  readonly metrics: HttpHandler;
  /** The status page (`/statusz` on the health listener), when the orchestrator's `status` option was given. */
  readonly status?: StatusHandler;
}

function checkPort(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw optionError(name, "an integer port in 0..65535 (0 picks a free one)", value);
  }
  return value;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const query = raw.indexOf("?");
  return query === -1 ? raw : raw.slice(0, query);
}

/** What to change when a listener cannot bind: the option(s) that named its port, in both places they can be set. */
function remedy(option: "healthPort" | "metricsPort", shared: boolean): string {
  if (shared) {
    return "Choose other ports with `listen({ healthPort, metricsPort })` (or `http.healthPort` / `http.metricsPort` in the orchestrator's config), or 0 to pick free ones.";
  }
  return `Choose another port with \`listen({ ${option} })\` (or \`http.${option}\` in the orchestrator's config), or 0 to pick a free one.`;
}

interface Binding {
  readonly port: number;
  readonly host: string | undefined;
  /** `health`, `metrics`, or `health and metrics` for one shared listener. */
  readonly role: string;
  readonly option: "healthPort" | "metricsPort";
  readonly shared: boolean;
}

function listenOn(server: Server, binding: Binding, logger: Logger): Promise<number> {
  const { port, host, role, option, shared } = binding;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      const where = host === undefined ? `port ${port}` : `${host}:${port}`;
      const code = typeof error === "object" && error !== null ? error.code : undefined;
      const why =
        code === "EADDRINUSE"
          ? "the address is already in use"
          : code === "EACCES"
            ? "permission denied (ports below 1024 need privileges)"
            : code === "EADDRNOTAVAIL"
              ? "the address is not available on this machine"
              : `${code ?? "error"}: ${describeThrown(error)}`;
      reject(new ObservabilityError("LISTEN_FAILED", `The ${role} listener cannot listen on ${where}: ${why}. ${remedy(option, shared)}`, { port, option, cause: error }));
    };
    const onListening = () => {
      server.off("error", onError);
      // errors after the bind (a failing connection, say) are logged; a failed bind is only rejected
      server.on("error", (error) => logger.error({ err: error, role }, `the ${role} listener failed: ${describeThrown(error)}`));
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Start the built-in listeners: the probes `/readyz` (alias `/healthz`), `/livez` and `/startupz` on `healthPort`,
 * `/metrics` on `metricsPort` (one server when the ports are equal and not 0). Rejects
 * with a `LISTEN_FAILED` {@link ObservabilityError} naming the port and the option
 * that set it when one cannot be bound (nothing stays open then, and nothing is logged:
 * the rejection is the report).
 */
export async function startListeners(routes: ListenerRoutes, options: ListenOptions, logger: Logger): Promise<Listening> {
  const healthPort = checkPort("healthPort", options.healthPort ?? 8000);
  const metricsPort = checkPort("metricsPort", options.metricsPort ?? 8001);
  const host = options.host;
  if (host !== undefined && (typeof host !== "string" || host === "")) {
    throw optionError("host", "a non-empty string", host);
  }
  const combined = healthPort === metricsPort && healthPort !== 0;
  const make = (paths: Readonly<Record<string, HttpHandler | StatusHandler>>): Server => {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const handler = paths[pathOf(req.url)];
      if (handler === undefined) sendReply(res, notFound(), req.method === "HEAD");
      else handler(req, res);
    });
    if (options.keepAlive === false) server.unref();
    return server;
  };
  const healthPaths = {
    "/readyz": routes.health,
    "/healthz": routes.health,
    "/livez": routes.liveness,
    "/startupz": routes.startup,
    ...(routes.status === undefined ? {} : { "/statusz": routes.status }),
  };
  const metricsPaths = { "/metrics": routes.metrics };
  const healthServer = make(combined ? { ...healthPaths, ...metricsPaths } : healthPaths);
  const servers = [healthServer];
  let boundHealth: number;
  let boundMetrics: number;
  try {
    boundHealth = await listenOn(healthServer, { port: healthPort, host, role: combined ? "health and metrics" : "health", option: "healthPort", shared: combined }, logger);
    if (combined) {
      boundMetrics = boundHealth;
    } else {
      const metricsServer = make(metricsPaths);
      servers.push(metricsServer);
      boundMetrics = await listenOn(metricsServer, { port: metricsPort, host, role: "metrics", option: "metricsPort", shared: false }, logger);
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= Promise.all(servers.map(closeServer)).then(() => undefined);
    return closing;
  };
  return { healthPort: boundHealth, metricsPort: boundMetrics, close, [ASYNC_DISPOSE]: close };
}
