import { trace } from "@opentelemetry/api";
import type { Message } from "../bus/Bus.js";
import { ATTR } from "./traceAttributes.js";

/**
 * An agent's handler is about to run on `message`: name the agent
 * (`ao.agent`) on the handler's span, the active one. Only a message with
 * headers can have been traced (the bus puts `traceparent` in them), so a
 * message without costs one property read.
 */
export function tagHandlerAgent(message: Message, agent: string): void {
  if (message.headers === undefined) return;
  const span = trace.getActiveSpan();
  if (span !== undefined && span.isRecording()) span.setAttribute(ATTR.agent, agent);
}
