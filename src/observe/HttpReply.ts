import { ServerResponse } from "node:http";

/** A response the handlers send, independent of the server framework. */
export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /**
   * `body` encoded once (UTF-8), for a large reply shared by many scrapers:
   * `node:http` responses and Fetch responses are given these bytes instead
   * of encoding the text again for each.
   */
  readonly bytes?: Uint8Array<ArrayBuffer>;
}

/**
 * The request fields the handlers read: `node:http`'s `IncomingMessage`, and
 * what Express, Koa (`ctx.req`) and Fastify (`request.raw`) hand over, fit it.
 */
export interface HandlerRequest {
  readonly method?: string | undefined;
  readonly headers: { readonly accept?: string | undefined };
}

/**
 * The response methods the handlers call: `node:http`'s `ServerResponse`, and
 * what Express, Koa (`ctx.res`) and Fastify (`reply.raw`) hand over, fit it.
 */
export interface HandlerResponse {
  /** When already true, the handler leaves the response alone. */
  readonly headersSent: boolean;
  /** Send the status line and headers (as `ServerResponse.writeHead`). */
  writeHead(statusCode: number, headers: Record<string, string | number>): unknown;
  /** Finish the response, with `body` when given (as `ServerResponse.end`). */
  end(body?: string): unknown;
}

/**
 * A `node:http`-style handler. It is a standalone function (no `this`), so it
 * can be passed around detached: `app.get("/healthz", orch.healthHandler)`.
 */
export type HttpHandler = (req: HandlerRequest, res: HandlerResponse) => void;

/**
 * Write `reply` to a `node:http`-style response; for `HEAD` the body is left
 * out (its length is still sent). A real `ServerResponse` (what Express, Koa
 * and Fastify hand over too) is sent the reply's encoded `bytes` when it has
 * them; any other response object is always sent the text.
 */
export function sendReply(res: HandlerResponse, reply: HttpReply, head: boolean): void {
  if (res.headersSent) return;
  const { bytes } = reply;
  res.writeHead(reply.status, { ...reply.headers, "Content-Length": bytes === undefined ? Buffer.byteLength(reply.body) : bytes.byteLength });
  if (head) res.end();
  else if (bytes !== undefined && res instanceof ServerResponse) res.end(bytes);
  else res.end(reply.body);
}

/** `reply` as a Fetch API `Response`; for `HEAD` without a body. */
export function toResponse(reply: HttpReply, head: boolean): Response {
  return new Response(head ? null : (reply.bytes ?? reply.body), { status: reply.status, headers: reply.headers });
}
