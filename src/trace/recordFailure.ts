import { SpanStatusCode, type Span } from "@opentelemetry/api";
import { describeThrown } from "../errors/describeThrown.js";
import { ATTR } from "./traceAttributes.js";

/**
 * Mark `span` as failed by `error`: status `ERROR`, the exception recorded
 * (type, message and stack, as OpenTelemetry instrumentations do: the trace
 * backend is the host's own, like its logs), and `error.type` set to the
 * error's `code` when it has a string one (a `BusError`, an `AgentError`),
 * else its name. Never throws, whatever was thrown.
 */
export function recordFailure(span: Span, error: unknown): void {
  try {
    span.setAttribute(ATTR.errorType, errorType(error));
    if (error instanceof Error) span.recordException(error);
    else span.recordException(describeThrown(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  } catch {
    // a hostile thrown value (a getter that throws): the span keeps what was set
  }
}

function errorType(error: unknown): string {
  if (typeof error !== "object" || error === null) return typeof error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code !== "") return code;
  const name = (error as { name?: unknown }).name;
  return typeof name === "string" && name !== "" ? name : "Error";
}
