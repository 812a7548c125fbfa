import { context, SpanKind, trace, type Attributes, type Span } from "@opentelemetry/api";
import type { Message, PublishOptions } from "../bus/Bus.js";
import type { Subscriber } from "../bus/delivery/Subscriber.js";
import { isThenable } from "../check.js";
import { endWhenSettled } from "./endWhenSettled.js";
import { recordFailure } from "./recordFailure.js";
import { enterHandlerCall, leaveHandlerCall } from "./tagHandlerAgent.js";
import { ATTR } from "./traceAttributes.js";
import { extractTraceContext, traceHeaders } from "./traceHeaders.js";
import { libraryTracer, tracerRegistered } from "./tracer.js";

/** A message whose headers the bus sets (a message it has just made). */
type Stamped = { -readonly [K in keyof Message]: Message[K] };

/**
 * One bus's tracing: whether a tracer provider is registered, and its spans.
 *
 * - {@link BusTracing.on} is the check a hot path makes: cached until the bus
 *   calls {@link BusTracing.stale} (the in-process bus at the end of each
 *   drain of its delivery core, so a provider registered between two turns
 *   is seen by the next publish, and a drain of 10,000 deliveries checks
 *   once). {@link BusTracing.now} checks afresh (a networked bus, whose every
 *   publish costs a round trip anyway). The check itself is
 *   `tracerRegistered()`, about a nanosecond.
 * - A publish is a `PRODUCER` span, a request a `CLIENT` span, child of the
 *   active context; its context goes into the message's headers (W3C
 *   `traceparent`, see `traceHeaders`) in a copy, never the caller's object;
 *   a `traceparent` the caller passed (forwarded `message.headers`) is replaced.
 * - A handler call is a `CONSUMER` span, child of the context the message
 *   carries (the root when none), active while the handler runs; an agent's
 *   handler names its agent on it (`tagHandlerAgent`), and on no other span.
 *
 * Nothing here runs unless a provider is registered: no span, no header, no context work.
 */
export class BusTracing {
  /** `messaging.system`: `agent-orchestrator` in process, `nats` over NATS. */
  readonly #system: string;
  /** Called by {@link BusTracing.stale}: the bus's own cache of the answer is stale too. */
  readonly #onStale: (() => void) | undefined;
  #fresh = false;
  #on = false;

  /**
   * @param system - the `messaging.system` of the bus's spans
   * @param onStale - called whenever the cached answer is forgotten (a bus that keeps its own copy of it)
   */
  constructor(system: string, onStale?: () => void) {
    this.#system = system;
    this.#onStale = onStale;
  }

  /** Whether a tracer provider is registered: the answer cached until {@link BusTracing.stale}. */
  on(): boolean {
    if (this.#fresh) return this.#on;
    this.#fresh = true;
    return (this.#on = tracerRegistered());
  }

  /** Whether a tracer provider is registered, checked now. */
  now(): boolean {
    this.#fresh = true;
    return (this.#on = tracerRegistered());
  }

  /** Forget the cached answer: the next {@link BusTracing.on} checks again. */
  stale(): void {
    this.#fresh = false;
    this.#onStale?.();
  }

  /**
   * A message the in-process bus has just made is published (`request`: it is
   * a request): its span, with the message's headers now a copy carrying its
   * context. The caller ends the span.
   */
  stamp(message: Message, request: boolean): Span {
    const span = this.#sendSpan(message.topic, request, message.source, ATTR.messageId, message.id);
    (message as Stamped).headers = traceHeaders(trace.setSpan(context.active(), span), message.headers);
    return span;
  }

  /**
   * A networked bus is about to publish (or request) on `topic` with
   * `options`: its span and the options to send with, a copy whose headers
   * carry the span's context. Options the bus will refuse (not an object,
   * headers not an object) are given back as they are, for the bus to refuse.
   */
  send<Options extends PublishOptions>(topic: string, request: boolean, options: Options | undefined): { span: Span; options: Options | undefined } {
    const usable = options === undefined || (typeof options === "object" && options !== null);
    const given = usable ? options?.headers : undefined;
    const source = usable && typeof options?.source === "string" ? options.source : undefined;
    const span = this.#sendSpan(topic, request, source);
    if (!usable || (given !== undefined && (typeof given !== "object" || given === null || Array.isArray(given)))) return { span, options };
    const headers = traceHeaders(trace.setSpan(context.active(), span), given);
    const traced: Options = { ...(options as Options), headers };
    return { span, options: traced };
  }

  /**
   * Call `sub`'s handler with `message` inside its `CONSUMER` span, ended when
   * the call settles; a throw or rejection marks the span failed and goes on
   * to the delivery core as it would untraced.
   */
  process(sub: Subscriber, message: Message): unknown {
    const parent = extractTraceContext(message.headers);
    const attributes: Attributes = {
      [ATTR.messagingSystem]: this.#system,
      [ATTR.messagingSystemName]: this.#system,
      [ATTR.operationType]: "process",
      [ATTR.operationName]: "process",
      [ATTR.destination]: message.topic,
      [ATTR.subscription]: sub.pattern,
      [ATTR.messageId]: message.id,
    };
    if (sub.queue !== undefined) attributes[ATTR.consumerGroup] = sub.queue;
    const span = libraryTracer().startSpan(`process ${sub.pattern}`, { kind: SpanKind.CONSUMER, attributes }, parent);
    let result: unknown;
    let thenable: boolean;
    const outer = enterHandlerCall(sub.handler, span);
    try {
      result = context.with(trace.setSpan(parent, span), sub.handler, undefined, message);
      thenable = isThenable(result);
    } catch (error) {
      // the handler threw, or its result's `then` getter did: the core counts the call failed
      recordFailure(span, error);
      span.end();
      throw error;
    } finally {
      leaveHandlerCall(outer);
    }
    if (!thenable) {
      span.end();
      return result;
    }
    return endWhenSettled(span, Promise.resolve(result));
  }

  #sendSpan(topic: string, request: boolean, source: string | undefined, extra?: string, value?: string): Span {
    const operation = request ? "request" : "publish";
    const attributes: Attributes = {
      [ATTR.messagingSystem]: this.#system,
      [ATTR.messagingSystemName]: this.#system,
      [ATTR.operationType]: "send",
      [ATTR.operationName]: operation,
      [ATTR.destination]: topic,
    };
    if (source !== undefined) attributes[ATTR.agent] = source;
    if (extra !== undefined) attributes[extra] = value;
    const kind = request ? SpanKind.CLIENT : SpanKind.PRODUCER;
    return libraryTracer().startSpan(`${operation} ${topic}`, { kind, attributes }, context.active());
  }
}
