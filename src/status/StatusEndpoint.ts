import { describeThrown } from "../errors/describeThrown.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { Logger } from "../logger.js";
import { sendReply, toResponse, type HttpReply } from "../observe/HttpReply.js";
import { BusRates } from "./BusRates.js";
import { parseAction } from "./statusAction.js";
import { statusDocument } from "./StatusDocument.js";
import type { StatusOptions } from "./StatusOptions.js";
import { jsonReply, pageReply, refusal, STATUS_ALLOW, wantsJson } from "./statusReplies.js";
import { headerOf, toFetchRequest, type StatusHandler } from "./StatusRequest.js";
import type { StatusAction, StatusSource } from "./StatusSource.js";

/** How long the host's `authorize` hook may take before the action is refused (503 `AUTHORIZE_TIMEOUT`). */
export const AUTHORIZE_TIMEOUT_MS = 10_000;

/** What the deadline rejects with: told apart from a hook's own failure. */
const HOOK_TIMED_OUT = new Error("the authorize hook timed out");

/** One request to the status URL, whatever server it came through. */
interface StatusCall {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly accept: string | undefined;
  readonly origin: string | undefined;
  /** The host the page was served from: `X-Forwarded-Host` (first value) when a proxy set it, else `Host`. */
  readonly host: string | undefined;
  /** The request for the `authorize` hook. */
  request(): Request;
}

/** `Location`-free, with the query only: what a request URL's path and query give. */
function queryOf(url: string | undefined): URLSearchParams {
  const raw = url ?? "";
  const mark = raw.indexOf("?");
  return new URLSearchParams(mark === -1 ? "" : raw.slice(mark + 1));
}

function forwardedHost(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  return value.split(",")[0]?.trim();
}

/**
 * The status page of one orchestrator: `GET`/`HEAD` answer the page (HTML) or
 * its JSON; `POST ?action=…` carries out an operator action when the host's
 * `authorize` hook allows it and the request comes from the page's own origin.
 * The same replies through the node-style {@link StatusEndpoint.handler} and
 * the Fetch form {@link StatusEndpoint.fetch}.
 */
export class StatusEndpoint {
  readonly #source: StatusSource;
  readonly #options: StatusOptions;
  readonly #logger: Logger;
  readonly #rates = new BusRates();

  constructor(source: StatusSource, options: StatusOptions, logger: Logger) {
    this.#source = source;
    this.#options = options;
    this.#logger = logger;
  }

  /** The node-style handler (`orch.statusHandler`). */
  readonly handler: StatusHandler = (req, res) => {
    const head = req.method === "HEAD";
    const call: StatusCall = {
      method: req.method ?? "GET",
      query: queryOf(req.url),
      accept: headerOf(req, "accept"),
      origin: headerOf(req, "origin"),
      host: forwardedHost(headerOf(req, "x-forwarded-host")) ?? headerOf(req, "host"),
      request: () => toFetchRequest(req),
    };
    void this.reply(call).then((reply) => {
      try {
        sendReply(res, reply, head);
      } catch (error) {
        this.#logger.error({ err: error }, "could not write a status page response");
      }
    });
  };

  /** The Fetch form (what `orch.fetch` answers for a path ending in `/statusz`). */
  async fetch(request: Request): Promise<Response> {
    let url: URL | undefined;
    try {
      url = new URL(request.url);
    } catch {
      url = undefined;
    }
    const call: StatusCall = {
      method: request.method,
      query: url?.searchParams ?? new URLSearchParams(),
      accept: request.headers.get("accept") ?? undefined,
      origin: request.headers.get("origin") ?? undefined,
      host: forwardedHost(request.headers.get("x-forwarded-host")) ?? request.headers.get("host") ?? url?.host,
      request: () => request,
    };
    return toResponse(await this.reply(call), request.method === "HEAD");
  }

  /** The reply to `call`. Never rejects: a failure is logged and answered 500. */
  async reply(call: StatusCall): Promise<HttpReply> {
    try {
      if (call.method === "POST") return await this.#act(call);
      if (call.method !== "GET" && call.method !== "HEAD") return refusal(405, "METHOD_NOT_ALLOWED", `${call.method} is not answered here; GET reads the page, POST carries an action`, { Allow: STATUS_ALLOW });
      if (call.query.has("action")) return refusal(405, "METHOD_NOT_ALLOWED", "an action is carried out by POST only", { Allow: "POST" });
      if (!wantsJson(call.query.get("format"), call.accept)) return pageReply();
      const document = statusDocument(this.#source, { showErrors: this.#options.showErrors === true, actions: this.#options.authorize !== undefined, rates: this.#rates });
      return jsonReply(200, document);
    } catch (error) {
      this.#logger.error({ err: error, endpoint: "status" }, `status page failed: ${describeThrown(error)}`);
      return refusal(500, "INTERNAL", "internal error");
    }
  }

  async #act(call: StatusCall): Promise<HttpReply> {
    const parsed = parseAction(call.query);
    if (!parsed.ok) return refusal(400, "BAD_ACTION", parsed.error);
    const { authorize } = this.#options;
    if (authorize === undefined) {
      return refusal(403, "ACTIONS_OFF", "operator actions are off: the page is read-only. The host turns them on with createOrchestrator({ status: { authorize } })");
    }
    if (!sameOrigin(call.origin, call.host)) {
      return refusal(403, "ORIGIN_REFUSED", `actions are taken from the status page itself: Origin ${call.origin === undefined ? "(missing)" : JSON.stringify(call.origin)} is not this page's origin`);
    }
    const actor = await this.#authorize(authorize, call);
    if (typeof actor !== "string") return actor;
    return this.#carryOut(parsed.action, actor);
  }

  /** The hook's verdict: who acts, or the refusal (403 for `false`, 500 for a hook that throws or answers something else). */
  async #authorize(authorize: NonNullable<StatusOptions["authorize"]>, call: StatusCall): Promise<string | HttpReply> {
    let verdict: unknown;
    try {
      verdict = await this.#withinDeadline(authorize(call.request()));
    } catch (error) {
      if (error === HOOK_TIMED_OUT) {
        this.#logger.error({ timeoutMs: AUTHORIZE_TIMEOUT_MS }, `status page: the authorize hook did not answer within ${AUTHORIZE_TIMEOUT_MS / 1000} s; nothing done`);
        return refusal(503, "AUTHORIZE_TIMEOUT", `the authorize hook did not answer within ${AUTHORIZE_TIMEOUT_MS / 1000} s; nothing was done`);
      }
      this.#logger.error({ err: error }, `status page: the authorize hook failed, nothing done: ${describeThrown(error)}`);
      return refusal(500, "AUTHORIZE_FAILED", "the authorize hook failed; nothing was done");
    }
    if (verdict === false) return refusal(403, "REFUSED", "refused by the host's authorize hook");
    if (typeof verdict === "string" && verdict !== "") return actorName(verdict);
    this.#logger.error({ verdict: describeThrown(verdict) }, "status page: the authorize hook answered neither a name nor false; nothing done");
    return refusal(500, "AUTHORIZE_FAILED", "the authorize hook answered neither a name nor false; nothing was done");
  }

  /** The hook's answer, or a rejection with {@link HOOK_TIMED_OUT} once {@link AUTHORIZE_TIMEOUT_MS} passed without one (a later answer is ignored). */
  #withinDeadline<T>(answer: T | Promise<T>): Promise<T> {
    if (!(answer instanceof Promise)) return Promise.resolve(answer);
    const clock = this.#source.clock;
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(HOOK_TIMED_OUT), AUTHORIZE_TIMEOUT_MS);
      answer.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(describeThrown(error)));
        },
      );
    });
  }

  async #carryOut(action: StatusAction, by: string): Promise<HttpReply> {
    const done = { action: action.action, agent: action.agent, ...(action.target === "trigger" ? { trigger: action.trigger } : {}), by };
    let outcome: "done" | "started";
    try {
      outcome = (await this.#source.act(action, by)) ?? "done";
    } catch (error) {
      if (error instanceof LifecycleError) {
        return refusal(error.code === "UNKNOWN_AGENT" ? 404 : 409, error.code, error.message);
      }
      this.#logger.error({ err: error, ...done }, `status page: ${action.action} "${action.agent}" by ${by} failed: ${describeThrown(error)}`);
      return refusal(500, "ACTION_FAILED", "the action failed; see the orchestrator's log");
    }
    return jsonReply(200, { ok: true, ...done, outcome });
  }
}

/** Who acted, safe for one log line: control characters replaced, at most 200 characters. */
function actorName(verdict: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const clean = verdict.replace(/[\u0000-\u001f\u007f]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/**
 * Whether `origin` is the page's own: present, parseable, and its host the
 * request's host, both read as URLs of the origin's scheme (so case and a
 * default port written out, `h:443` behind a TLS proxy, do not matter).
 */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || host === undefined || origin === "null") return false;
  try {
    const own = new URL(origin);
    return own.host === new URL(`${own.protocol}//${host}`).host;
  } catch {
    return false;
  }
}
