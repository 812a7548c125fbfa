import { EventEmitter } from "eventemitter3";
import { describeValue } from "../check.js";
import { didYouMean } from "../config/didYouMean.js";
import { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import { orchestratorOptionCheck } from "./resolveOptions.js";
import { ORCHESTRATOR_EVENTS, type OrchestratorEventName, type OrchestratorEvents } from "../supervisor/events.js";
import { isTracedEvent, traceEvent } from "../trace/eventSpans.js";
import { tracerRegistered } from "../trace/tracer.js";

/** A listener of event `E`. */
export type EventListener<E extends OrchestratorEventName> = (payload: OrchestratorEvents[E]) => void;

/**
 * The orchestrator's lifecycle events, fanned out by eventemitter3: `on()`
 * checks its arguments and registers the listener wrapped in its own
 * `try`/`catch`, so `emit()` is the emitter's own loop (no copy of the
 * listener list per event, as a loop of ours over `listeners()` needed) and a
 * listener that throws is logged, never thrown into the orchestrator, nor does
 * it keep the next listener from being called.
 */
export class EventHub {
  readonly #emitter = new EventEmitter();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Add `listener` for `event`; returns the function that removes it (that
   * registration only: the same function added twice is called twice and
   * removed one registration at a time). An event name that is not one of
   * {@link ORCHESTRATOR_EVENTS}, or a listener that is not a function, throws
   * a `ConfigError` with code `INVALID_OPTION`.
   */
  on<E extends OrchestratorEventName>(event: E, listener: EventListener<E>): () => void {
    const where = `on(${describeValue(event)})`;
    if (!ORCHESTRATOR_EVENTS.includes(event)) {
      const message = `${where}: unknown event${didYouMean(String(event), ORCHESTRATOR_EVENTS)}; expected one of ${ORCHESTRATOR_EVENTS.join(", ")}`;
      throw new ConfigError(message, { code: "INVALID_OPTION", path: "event", value: event });
    }
    if (typeof listener !== "function") {
      throw orchestratorOptionCheck(where).error("listener", "a function", listener);
    }
    const guarded = (payload: OrchestratorEvents[E]): void => {
      try {
        listener(payload);
      } catch (error) {
        this.#logger.error({ event, err: error }, `a listener of "${event}" threw: ${describeThrown(error)}`);
      }
    };
    this.#emitter.on(event, guarded);
    return () => {
      this.#emitter.off(event, guarded);
    };
  }

  /**
   * True when `event` has a listener, or becomes a span (a crash, a restart,
   * an escalation, a fail-stop: see `traceEvent`) while a tracer provider is
   * registered: an emitter may skip building the payload otherwise.
   */
  listens(event: OrchestratorEventName): boolean {
    return this.#emitter.listenerCount(event) !== 0 || (isTracedEvent(event) && tracerRegistered());
  }

  /** Record `event` as a span when it is one that is traced and a provider is registered, then call every listener of it with `payload`, in the order they were added. */
  emit<E extends OrchestratorEventName>(event: E, payload: OrchestratorEvents[E]): void {
    if (isTracedEvent(event) && tracerRegistered()) traceEvent(event, payload);
    this.#emitter.emit(event, payload);
  }
}
