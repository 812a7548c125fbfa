/**
 * The package's version, as the tracer names it (`trace.getTracer(name,
 * version)`). A test keeps it equal to `package.json`'s `version`.
 */
export const PACKAGE_VERSION = "0.1.0";

/** The instrumentation scope of every span the library makes: the package's name. */
export const TRACER_NAME = "@acme/agent-orchestrator";
