import { context, propagation, trace, type SpanContext } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** The real OpenTelemetry SDK registered as the global provider for one test: what it recorded, and how to take it down. */
export interface RegisteredTracing {
  readonly exporter: InMemorySpanExporter;
  readonly provider: BasicTracerProvider;
  /** The ended spans, in the order they ended. */
  spans(): ReadableSpan[];
  /** The one ended span called `name` (fails the test when there is not exactly one). */
  span(name: string): ReadableSpan;
  /** Unregister provider, context manager and propagator (`trace.disable()` and the others). */
  dispose(): Promise<void>;
}

/**
 * Register `BasicTracerProvider` + `SimpleSpanProcessor` + `InMemorySpanExporter`
 * and an `AsyncLocalStorageContextManager` as the API's globals, as a host's
 * SDK set-up does (no global propagator: the API's default writes nothing).
 */
export function registerTracing(): RegisteredTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) throw new Error("a global context manager is registered already");
  if (!trace.setGlobalTracerProvider(provider)) throw new Error("a global tracer provider is registered already");
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  return {
    exporter,
    provider,
    spans,
    span(name) {
      const found = spans().filter((span) => span.name === name);
      if (found.length !== 1) throw new Error(`expected one span named ${JSON.stringify(name)}, got ${found.length}: ${spans().map((span) => span.name).join(", ")}`);
      return found[0] as ReadableSpan;
    },
    async dispose() {
      trace.disable();
      context.disable();
      propagation.disable();
      manager.disable();
      await provider.shutdown();
    },
  };
}

/** The span id of `span`'s parent, or `undefined` for a root span. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** `span`'s own context. */
export function contextOf(span: ReadableSpan): SpanContext {
  return span.spanContext();
}
