import { answerProbe, checkRouteOptions, type ProbeRouteOptions, type ProbeSource } from "./probePaths.js";

/** The part of a Fastify request the probe routes read (a structural type: no dependency on fastify). */
export interface FastifyProbeRequest {
  readonly method: string;
  readonly headers: { readonly accept?: string | undefined };
}

/** The part of a Fastify reply the probe routes call. */
export interface FastifyProbeReply {
  /** Set the status code. */
  code(statusCode: number): FastifyProbeReply;
  /** Set response headers. */
  headers(values: Record<string, string>): FastifyProbeReply;
  /** Given bytes, so Fastify sends the content type as it is (it appends a charset to a string's). */
  send(payload: Uint8Array): FastifyProbeReply;
}

/** The part of a Fastify instance the plugin calls. */
export interface FastifyProbeInstance {
  /** Add a route (`instance.route()`). */
  route(options: {
    method: string[];
    url: string;
    handler: (request: FastifyProbeRequest, reply: FastifyProbeReply) => Promise<FastifyProbeReply>;
  }): unknown;
}

/** `GET` (Fastify adds its `HEAD` sibling) and the methods the orchestrator answers 405 to. */
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** What {@link fastifyProbes} returns: an async Fastify plugin, for `app.register()`. */
export type FastifyProbesPlugin = (instance: FastifyProbeInstance) => Promise<void>;

/**
 * A Fastify plugin serving the probes and `/metrics` as ordinary Fastify routes (`GET`, the
 * `HEAD` route Fastify adds, and 405 for other methods): `onRequest`/`onSend` hooks, logging and
 * error handling run as for any route. Answers what `orch.fetch` answers for the same path. Imports nothing of Fastify.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { fastifyProbes } from "@acme/agent-orchestrator";
 * const app = Fastify();
 * await app.register(fastifyProbes(orch), { prefix: "/ops" });   // /ops/readyz, /ops/livez, …
 * ```
 */
export function fastifyProbes(orch: ProbeSource, options?: ProbeRouteOptions): FastifyProbesPlugin {
  const { prefix, paths } = checkRouteOptions("fastifyProbes()", options);
  return async (instance) => {
    for (const path of paths) {
      instance.route({
        method: [...METHODS],
        url: `${prefix}/${path}`,
        handler: async (request, reply) => {
          const answer = await answerProbe(orch, path, request.method, request.headers.accept);
          return reply.code(answer.status).headers(answer.headers).send(Buffer.from(answer.body, "utf8"));
        },
      });
    }
  };
}
