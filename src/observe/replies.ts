import type { HealthEvaluation } from "./Health.js";
import { HEALTH_JSON_CONTENT_TYPE, healthDocument, livenessDocument, startupDocument } from "./HealthDocument.js";
import type { HttpReply } from "./HttpReply.js";
import type { LivenessEvaluation } from "./Liveness.js";
import type { StartupEvaluation } from "./Startup.js";

const TEXT = "text/plain; charset=utf-8";

/** Headers every reply carries: probes and scrapes must never be answered from a cache. */
const COMMON = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" } as const;

/** True for `GET` and `HEAD` (a missing method counts as `GET`). */
export function isReadMethod(method: string | undefined): boolean {
  return method === undefined || method === "GET" || method === "HEAD";
}

/**
 * Whether an `Accept` header asks for the health JSON: `application/health+json`
 * or `application/json` listed with a non-zero quality.
 */
export function wantsHealthJson(accept: string | null | undefined): boolean {
  if (accept === null || accept === undefined || accept === "") return false;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    if (type !== HEALTH_JSON_CONTENT_TYPE && type !== "application/json") continue;
    const q = params.find((param) => param.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

function text(status: number, body: string, extra: Readonly<Record<string, string>> = {}): HttpReply {
  return { status, headers: { "Content-Type": TEXT, ...COMMON, ...extra }, body: `${body}\n` };
}

function json(status: number, document: unknown): HttpReply {
  return { status, headers: { "Content-Type": HEALTH_JSON_CONTENT_TYPE, ...COMMON }, body: JSON.stringify(document) };
}

/** 405 for anything but `GET` and `HEAD`. */
export function methodNotAllowed(): HttpReply {
  return text(405, "method not allowed", { Allow: "GET, HEAD" });
}

/** 404 for a path the listener does not serve. */
export function notFound(): HttpReply {
  return text(404, "not found");
}

/** 500 when a reply could not be built; the cause goes to the log, never into the response. */
export function internalError(): HttpReply {
  return text(500, "internal error");
}

/** The readiness reply: `ok`, or `unavailable: <reason>` from a fixed set of reasons. */
export function healthReply(evaluation: HealthEvaluation, asJson: boolean): HttpReply {
  const status = evaluation.report.status;
  if (asJson) return json(status, healthDocument(evaluation));
  return text(status, evaluation.reason === undefined ? "ok" : `unavailable: ${evaluation.reason}`);
}

/** The liveness reply: `ok`, or `not live: <phase>` / `not live: loop stalled`. */
export function livenessReply(evaluation: LivenessEvaluation, asJson: boolean): HttpReply {
  const status = evaluation.live ? 200 : 503;
  if (asJson) return json(status, livenessDocument(evaluation));
  if (evaluation.live) return text(status, "ok");
  return text(status, evaluation.sinceLastTickMs === undefined ? `not live: ${evaluation.phase}` : "not live: loop stalled");
}

/** The startup reply: `ok` once `start()` has resolved, else `not started: <phase>`. */
export function startupReply(evaluation: StartupEvaluation, asJson: boolean): HttpReply {
  const status = evaluation.started ? 200 : 503;
  if (asJson) return json(status, startupDocument(evaluation));
  return text(status, evaluation.started ? "ok" : `not started: ${evaluation.phase}`);
}

/**
 * The metrics reply: the exposition text with the registry's content type,
 * encoded once here for every scraper it is sent to.
 */
export function metricsReply(body: string, contentType: string): HttpReply {
  return { status: 200, headers: { "Content-Type": contentType, ...COMMON }, body, bytes: Buffer.from(body, "utf8") };
}
