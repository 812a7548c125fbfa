import { isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { formatTraceparent, parseTraceparent, TRACE_HEADERS } from "./traceparent.js";

/**
 * The headers a traced publish sends: a copy of `given` (the caller's, never
 * changed) carrying the trace context of `context` (the publish's span).
 *
 * - The caller's own `traceparent` / `tracestate` (any letter case) are left
 *   out of the copy when the span has a context to carry: they are an earlier
 *   hop's (a handler that forwards `message.headers`), and the receiver's span
 *   must be the child of this publish, not of the message it forwards. A span
 *   with no valid context (a foreign or no-op provider's) writes none: the
 *   caller's pass through as they are (and the propagator's other headers,
 *   `baggage`, are written all the same).
 * - The host's propagator writes first when one is registered
 *   (`propagation.setGlobalPropagator()`, which an SDK's `register()` does);
 *   then W3C `traceparent` / `tracestate` when it wrote no `traceparent` (none
 *   registered: the API's default writes nothing), so that two buses of the
 *   library always carry the context between them.
 */
export function traceHeaders(context: Context, given: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const span = trace.getSpanContext(context);
  // a non-recording span of a sampler or a foreign provider may carry the invalid (all-zero) context: nothing to carry
  const carried = span !== undefined && isSpanContextValid(span) ? span : undefined;
  const headers: Record<string, string> = {};
  if (given !== undefined) {
    for (const key of Object.keys(given)) if (carried === undefined || !isTraceHeader(key)) headers[key] = given[key] as string;
  }
  propagation.inject(context, headers);
  if (carried === undefined || headers[TRACE_HEADERS.parent] !== undefined) return headers;
  headers[TRACE_HEADERS.parent] = formatTraceparent(carried);
  const state = carried.traceState?.serialize();
  if (state !== undefined && state !== "") headers[TRACE_HEADERS.state] = state;
  return headers;
}

/** Whether `key` names `traceparent` or `tracestate`, in any letter case (header names are case-insensitive). */
function isTraceHeader(key: string): boolean {
  if (key.length !== TRACE_HEADERS.parent.length && key.length !== TRACE_HEADERS.state.length) return false;
  const lower = key.toLowerCase();
  return lower === TRACE_HEADERS.parent || lower === TRACE_HEADERS.state;
}

/**
 * The context a received message's headers carry (its publisher's span as a
 * remote parent): the host's propagator's reading, else the library's own of
 * `traceparent`; the root context when they carry none.
 */
export function extractTraceContext(headers: Readonly<Record<string, string>> | undefined): Context {
  if (headers === undefined) return ROOT_CONTEXT;
  const extracted = propagation.extract(ROOT_CONTEXT, headers);
  if (trace.getSpanContext(extracted) !== undefined) return extracted;
  const traceparent = headers[TRACE_HEADERS.parent];
  if (traceparent === undefined) return extracted;
  const parent = parseTraceparent(traceparent, headers[TRACE_HEADERS.state]);
  return parent === undefined ? extracted : trace.setSpanContext(extracted, parent);
}
