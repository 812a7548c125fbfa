import { isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { formatTraceparent, parseTraceparent, TRACE_HEADERS } from "./traceparent.js";

/**
 * Write the trace context of `context` into `headers` (a message's own copy):
 * through the host's propagator when one is registered
 * (`propagation.setGlobalPropagator()`, which an SDK's `register()` does),
 * then W3C `traceparent` / `tracestate` when the propagator wrote no
 * `traceparent` (none registered: the API's default writes nothing), so that
 * two buses of the library always carry the context between them.
 */
export function injectTraceHeaders(context: Context, headers: Record<string, string>): void {
  propagation.inject(context, headers);
  if (headers[TRACE_HEADERS.parent] !== undefined) return;
  const span = trace.getSpanContext(context);
  // a non-recording span of a sampler or a foreign provider may carry the invalid (all-zero) context: nothing to carry
  if (span === undefined || !isSpanContextValid(span)) return;
  headers[TRACE_HEADERS.parent] = formatTraceparent(span);
  const state = span.traceState?.serialize();
  if (state !== undefined && state !== "") headers[TRACE_HEADERS.state] = state;
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
