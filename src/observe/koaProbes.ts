import { answerProbe, checkRouteOptions, type ProbePath, type ProbeRouteOptions, type ProbeSource } from "./probePaths.js";

/** The part of a Koa context the middleware reads and sets (a structural type: no dependency on koa). */
export interface KoaProbeContext {
  readonly path: string;
  readonly method: string;
  /** A request header's value (`""` when absent). */
  get(field: string): string;
  status: number;
  /** Set response headers. */
  set(fields: Record<string, string>): void;
  body: unknown;
}

/** What {@link koaProbes} returns: a Koa middleware, for `app.use()`. */
export type KoaProbesMiddleware = (ctx: KoaProbeContext, next: () => Promise<unknown>) => Promise<void>;

/**
 * Koa middleware serving the probes and `/metrics` through Koa's own response (`ctx.status`,
 * `ctx.set`, `ctx.body`), so the middleware around it sees the reply; any other path goes on to
 * `next()`. Answers what `orch.fetch` answers for the same path. Imports nothing of Koa.
 *
 * @example
 * ```ts
 * import Koa from "koa";
 * import { koaProbes } from "@acme/agent-orchestrator";
 * const app = new Koa();
 * app.use(koaProbes(orch, { prefix: "/ops" }));   // /ops/readyz, /ops/livez, …
 * ```
 */
export function koaProbes(orch: ProbeSource, options?: ProbeRouteOptions): KoaProbesMiddleware {
  const { prefix, paths } = checkRouteOptions("koaProbes()", options);
  const routes = new Map<string, ProbePath>(paths.map((path) => [`${prefix}/${path}`, path]));
  return async (ctx, next) => {
    const path = routes.get(ctx.path);
    if (path === undefined) {
      await next();
      return;
    }
    const accept = ctx.get("accept");
    const answer = await answerProbe(orch, path, ctx.method, accept === "" ? undefined : accept);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  };
}
