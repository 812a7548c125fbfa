import { createTraceState, isSpanContextValid, TraceFlags, type SpanContext } from "@opentelemetry/api";

/** `traceparent`: version `00`, trace id, parent span id, flags (W3C Trace Context, level 1). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The W3C Trace Context header names, as the library writes and reads them. */
export const TRACE_HEADERS = Object.freeze({ parent: "traceparent", state: "tracestate" });

/** The `traceparent` value of `context`: `00-<trace id>-<span id>-<flags>`. */
export function formatTraceparent(context: SpanContext): string {
  const flags = (context.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, "0");
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}

/**
 * The remote span context a `traceparent` (and `tracestate`) carry, or
 * `undefined` for a value that is not one: a wrong shape, version `ff`, a
 * version `00` with anything after the flags, an all-zero trace or span id.
 * A later version is read for its first four fields, as the W3C
 * recommendation asks.
 */
export function parseTraceparent(traceparent: string, tracestate: string | undefined): SpanContext | undefined {
  const match = TRACEPARENT.exec(traceparent);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
  if (!isSpanContextValid(context)) return undefined;
  if (tracestate !== undefined && tracestate !== "") context.traceState = createTraceState(tracestate);
  return context;
}
