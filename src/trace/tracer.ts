import { ProxyTracerProvider, trace, type Tracer } from "@opentelemetry/api";
import { PACKAGE_VERSION, TRACER_NAME } from "./packageVersion.js";

/**
 * What a global `ProxyTracerProvider` delegates to before a provider is
 * registered: the API's no-op provider (one shared instance in each copy of
 * the API), read once through the public `getDelegate()`.
 */
const NO_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether a tracer provider is registered with the OpenTelemetry API now
 * (`trace.setGlobalTracerProvider()`, which an SDK's `register()` calls).
 * Without one every span would be a no-op: the library then starts none,
 * adds no header and does no context work.
 *
 * The global provider is the API's `ProxyTracerProvider`, whose delegate is
 * the registered provider or the no-op one; a provider of another kind (a
 * future API, another copy of it) counts as registered. It costs a few
 * nanoseconds: callers on a hot path cache it (see `BusTracing`).
 */
export function tracerRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_PROVIDER;
}

/** The library's tracer, from the global provider: scope `@acme/agent-orchestrator` at the package's version. */
export function libraryTracer(): Tracer {
  return trace.getTracer(TRACER_NAME, PACKAGE_VERSION);
}
