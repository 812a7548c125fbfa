import type { Span } from "@opentelemetry/api";
import type { MessageHandler } from "../bus/Bus.js";
import { ATTR } from "./traceAttributes.js";

/**
 * The handler a traced bus is calling now, in the synchronous part of the
 * call, and the `CONSUMER` span it made for the call (`undefined` outside
 * one). Held here, not read from the active context: the active span may be
 * anyone's (a host's request, another agent's run) when the bus does not
 * trace the call (`tracing: false`, a host's own `Bus`).
 */
let callingHandler: MessageHandler | undefined;
let callingSpan: Span | undefined;

/** What {@link enterHandlerCall} replaced, for {@link leaveHandlerCall} to put back. */
export interface OuterHandlerCall {
  readonly handler: MessageHandler | undefined;
  readonly span: Span | undefined;
}

/**
 * A traced bus is about to call `handler` inside `span` (its `CONSUMER` span):
 * until {@link leaveHandlerCall}, {@link tagHandlerAgent} for that handler
 * names the agent on `span`. Returns the call it nests in (a handler that
 * delivers synchronously), for {@link leaveHandlerCall}.
 */
export function enterHandlerCall(handler: MessageHandler, span: Span): OuterHandlerCall {
  const outer: OuterHandlerCall = { handler: callingHandler, span: callingSpan };
  callingHandler = handler;
  callingSpan = span;
  return outer;
}

/** The synchronous part of the handler call is over: `outer` (what {@link enterHandlerCall} gave) is the call again. */
export function leaveHandlerCall(outer: OuterHandlerCall): void {
  callingHandler = outer.handler;
  callingSpan = outer.span;
}

/**
 * An agent's handler is about to run, called by the bus as `via` (the
 * function the agent subscribed with): name the agent (`ao.agent`) on the
 * `CONSUMER` span the bus made for this very call. Nothing else is tagged:
 * with no traced call of `via` in progress (an untraced bus, a host's bus
 * calling later) the active span, whoever's it is, is left alone. Untraced,
 * it costs one read of a module variable.
 */
export function tagHandlerAgent(via: MessageHandler, agent: string): void {
  if (callingHandler !== via || callingSpan === undefined) return;
  if (callingSpan.isRecording()) callingSpan.setAttribute(ATTR.agent, agent);
}
