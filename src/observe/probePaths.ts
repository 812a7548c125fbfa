import { OptionCheck } from "../check.js";
import { invalidOption } from "../errors/invalidOption.js";
import { keysOf } from "../orchestrator/keysOf.js";

/** The paths the framework adapters mount, each under the adapter's prefix. */
export type ProbePath = "readyz" | "healthz" | "livez" | "startupz" | "metrics";

/** Every {@link ProbePath}, in the order the adapters register them (a path missing here does not compile). */
export const PROBE_PATHS: readonly ProbePath[] = keysOf<Record<ProbePath, true>>({ readyz: true, healthz: true, livez: true, startupz: true, metrics: true });

/** What the framework adapters need from an orchestrator: its Fetch API handler. */
export interface ProbeSource {
  /** Answer a Fetch API request (`orch.fetch`). */
  fetch(request: Request): Promise<Response>;
}

/** A reply of {@link ProbeSource.fetch}, read into what a framework's response API takes. */
export interface ProbeAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Ask `source` for `path` as a `GET` (the framework leaves the body out of a
 * `HEAD` reply itself) or as the request's own method otherwise, so the
 * orchestrator's 405 answers it.
 */
export async function answerProbe(source: ProbeSource, path: ProbePath, method: string, accept: string | undefined): Promise<ProbeAnswer> {
  const init: RequestInit = { method: method === "HEAD" ? "GET" : method, headers: accept === undefined ? {} : { accept } };
  const response = await source.fetch(new Request(`http://probe/${path}`, init));
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => void (headers[key] = value));
  return { status: response.status, headers, body: await response.text() };
}

/** Options of the framework adapters (`fastifyProbes`, `koaProbes`). */
export interface ProbeRouteOptions {
  /**
   * Mount the probes under this path, e.g. `"/ops"` for `/ops/readyz`. With Fastify, the `prefix`
   * of `app.register()` does the same.
   * @default ""
   */
  prefix?: string;
  /**
   * Which paths to serve.
   * @default every path: readyz, healthz, livez, startupz, metrics
   */
  paths?: readonly ProbePath[];
}

/** The adapter options checked: the prefix (`""` or `/a/b`) and the paths. Throws a `ConfigError` `INVALID_OPTION`. */
export function checkRouteOptions(where: string, options: ProbeRouteOptions | undefined): { prefix: string; paths: readonly ProbePath[] } {
  const check = new OptionCheck(where, invalidOption);
  const checked = check.object(options);
  check.knownKeys(checked, ["prefix", "paths"]);
  const prefix: unknown = checked.prefix ?? "";
  if (typeof prefix !== "string" || (prefix !== "" && (!prefix.startsWith("/") || prefix.endsWith("/")))) {
    throw check.error("prefix", '"" or a path such as "/ops" (a leading slash, no trailing one)', prefix);
  }
  const paths: unknown = checked.paths ?? PROBE_PATHS;
  if (!Array.isArray(paths) || paths.some((path) => !(PROBE_PATHS as readonly unknown[]).includes(path))) {
    throw check.error("paths", `an array of ${PROBE_PATHS.map((path) => `"${path}"`).join(", ")}`, paths);
  }
  return { prefix, paths: paths as ProbePath[] };
}
