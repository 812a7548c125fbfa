import { ProxyTracerProvider, trace, type Tracer } from "@opentelemetry/api";
import { PACKAGE_VERSION, TRACER_NAME } from "./packageVersion.js";

/**
 * What a global `ProxyTracerProvider` delegates to before a provider is
 * registered: the API's no-op provider (one shared instance in each copy of
 * the API), read once through the public `getDelegate()`.
 */
const NO_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Answers "none registered" given from the proxy held before the global is
 * read again: bounds how long a proxy replaced by `trace.disable()` is trusted.
 */
export const RECHECK_EVERY = 64;

/** The API's global provider as last read, when it is the API's proxy; `undefined` before the first read or for another kind. */
let held: ProxyTracerProvider | undefined;
/** Answers "none registered" still to be given from {@link held} before the global is read again. */
let trustLeft = 0;

/**
 * Whether a tracer provider is registered with the OpenTelemetry API
 * (`trace.setGlobalTracerProvider()`, which an SDK's `register()` calls).
 * Without one every span would be a no-op: the library then starts none,
 * adds no header and does no context work.
 *
 * The global provider is the API's `ProxyTracerProvider`, whose delegate is
 * the registered provider or the no-op one. Reading the global costs a few
 * nanoseconds, so the proxy read last is held and asked for its delegate
 * (public `getDelegate()`, about a nanosecond): a provider registered
 * through the API lands on that proxy and is seen at once. Only
 * `trace.disable()` replaces the proxy; so an answer "registered" always
 * reads the global again (tracing costs far more than the read), and an
 * answer "none" is given from the held proxy at most {@link RECHECK_EVERY}
 * times in a row before the global is read again: a provider registered
 * after a `trace.disable()` is seen within that many checks. A provider of
 * another kind (a future API, another copy of it) counts as registered.
 */
export function tracerRegistered(): boolean {
  if (trustLeft > 0 && held !== undefined && held.getDelegate() === NO_PROVIDER) {
    trustLeft--;
    return false;
  }
  return readGlobal();
}

/** {@link tracerRegistered} from the global provider read now; holds it when it is the API's proxy. */
function readGlobal(): boolean {
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider)) {
    held = undefined;
    return true;
  }
  held = provider;
  trustLeft = RECHECK_EVERY;
  return provider.getDelegate() !== NO_PROVIDER;
}

/** The library's tracer, from the global provider: scope `@acme/agent-orchestrator` at the package's version. */
export function libraryTracer(): Tracer {
  return trace.getTracer(TRACER_NAME, PACKAGE_VERSION);
}
