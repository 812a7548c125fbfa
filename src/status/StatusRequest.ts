import type { HandlerResponse } from "../observe/HttpReply.js";

/**
 * The request fields the status handler reads: `node:http`'s
 * `IncomingMessage`, and what Express, Koa (`ctx.req`) and Fastify
 * (`request.raw`) hand over, fit it. The query string of `url` carries the
 * format and the action; `Host` and `Origin` decide whether an action comes
 * from the page itself.
 */
export interface StatusRequest {
  readonly method?: string | undefined;
  /** The path and query, as `IncomingMessage.url` (a mount prefix stripped by the framework is fine). */
  readonly url?: string | undefined;
  readonly headers: { readonly accept?: string | undefined; readonly [name: string]: string | readonly string[] | undefined };
}

/**
 * The status page's `node:http`-style handler: page, JSON and actions on one
 * mount. A standalone function (no `this`): `app.use("/ops/statusz", orch.statusHandler)`.
 */
export type StatusHandler = (req: StatusRequest, res: HandlerResponse) => void;

/** A request header as one string (repeated values joined), `undefined` when absent. */
export function headerOf(req: StatusRequest, name: string): string | undefined {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(", ");
}

/**
 * A node request as a Fetch `Request` (method, URL from `Host` and `url`,
 * headers; no body): what the host's `authorize` hook is given.
 */
export function toFetchRequest(req: StatusRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (typeof value === "string") headers.append(name, value);
    else for (const one of value) headers.append(name, one);
  }
  const host = headerOf(req, "host") ?? "localhost";
  let url: URL;
  try {
    url = new URL(req.url ?? "/", `http://${host}`);
  } catch {
    url = new URL(req.url ?? "/", "http://localhost");
  }
  return new Request(url, { method: req.method ?? "GET", headers });
}
