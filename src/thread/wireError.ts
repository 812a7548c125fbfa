import { AgentError, type AgentErrorCode } from "../errors/AgentError.js";
import { BusError, type BusErrorCode } from "../errors/BusError.js";
import { ConfigError, type ConfigErrorCode } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { LifecycleError, type LifecycleErrorCode } from "../errors/LifecycleError.js";
import type { WireError } from "./protocol.js";

/** How deep a chain of causes is carried across (deeper causes are cut off). */
const MAX_CAUSE_DEPTH = 4;

/**
 * An error (or anything thrown) as it crosses a thread's port: name, message,
 * stack, `code`, the library's own fields (`topic`, `agent`, `path`) and its
 * cause, each a string, so the frame always clones. A value thrown that is not
 * an Error (a string, an object) becomes an `Error` with its text.
 *
 * @example
 * ```ts
 * port.postMessage([{ t: "fail", error: toWireError(error) }]);
 * ```
 */
export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) {
    return { name: "Error", message: typeof error === "string" ? error : describeThrown(error) };
  }
  const fields = error as Error & { code?: unknown; topic?: unknown; agent?: unknown; path?: unknown };
  const cause: unknown = error.cause;
  return {
    name: typeof error.name === "string" ? error.name : "Error",
    message: typeof error.message === "string" ? error.message : describeThrown(error),
    stack: typeof error.stack === "string" ? error.stack : undefined,
    code: stringOr(fields.code),
    topic: stringOr(fields.topic),
    agent: stringOr(fields.agent),
    path: stringOr(fields.path),
    cause: cause === undefined || depth >= MAX_CAUSE_DEPTH ? undefined : toWireError(cause, depth + 1),
  };
}

/**
 * The error `wire` describes, rebuilt on this side of the port: `BusError`,
 * `AgentError`, `ConfigError` and `LifecycleError` as those classes with their
 * `code` (and `topic`, `agent`, `path`); anything else as an `Error` with the
 * same name, message, stack and `code`. The cause is rebuilt too.
 *
 * @example
 * ```ts
 * if (!frame.ok) pending.reject(fromWireError(frame.error));
 * ```
 */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause === undefined ? undefined : fromWireError(wire.cause);
  const options = cause === undefined ? {} : { cause };
  let error: Error;
  switch (wire.name) {
    case "BusError":
      error = new BusError((wire.code ?? "INVALID_OPTION") as BusErrorCode, wire.message, { ...options, ...(wire.topic === undefined ? {} : { topic: wire.topic }) });
      break;
    case "AgentError":
      error = new AgentError((wire.code ?? "AGENT_FAILED") as AgentErrorCode, wire.agent ?? "", wire.message, options);
      break;
    case "ConfigError":
      // the message carries its place already: the path is set after, not prefixed again
      error = new ConfigError(wire.message, { ...options, code: (wire.code ?? "CONFIG_INVALID") as ConfigErrorCode });
      if (wire.path !== undefined) Object.defineProperty(error, "path", { value: wire.path, enumerable: true });
      break;
    case "LifecycleError":
      error = new LifecycleError((wire.code ?? "NOT_STARTED") as LifecycleErrorCode, wire.message, options);
      break;
    default:
      error = new Error(wire.message, options);
      error.name = wire.name;
      if (wire.code !== undefined) Object.defineProperty(error, "code", { value: wire.code, enumerable: true, writable: true, configurable: true });
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

/** The library's error classes, by name: what {@link rebuiltError} rebuilds. */
const LIBRARY_ERRORS: ReadonlySet<string> = new Set(["BusError", "AgentError", "ConfigError", "LifecycleError"]);

/**
 * `error` as this side should see it: one of the library's errors that crossed
 * the port outside the protocol (an uncaught error Node copied from the thread
 * keeps only its name, message, stack and fields, not its class) rebuilt as its
 * class with its `code`; anything else unchanged.
 *
 * @example
 * ```ts
 * worker.on("error", (error) => crash(rebuiltError(error)));
 * ```
 */
export function rebuiltError(error: unknown): unknown {
  if (!(error instanceof Error) || !LIBRARY_ERRORS.has(error.name)) return error;
  if (error.constructor.name === error.name) return error;
  return fromWireError(toWireError(error));
}

/** The key marking a log field holding an error as it crosses (see {@link toWireFields}). */
const WIRE_ERROR_FIELD = "@acme/agent-orchestrator.wireError";

/**
 * A log entry's `fields` ready to cross the port: each own field holding an
 * Error is replaced by a marked {@link WireError} (a structured clone would
 * keep neither its class nor its `code`); `fields` itself when none does.
 * {@link fromWireFields} rebuilds them on the other side.
 *
 * @example
 * ```ts
 * send({ t: "log", level, fields: toWireFields(fields), message });
 * ```
 */
export function toWireFields(fields: object): object {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    const value: unknown = (fields as Record<string, unknown>)[key];
    if (!(value instanceof Error)) continue;
    out ??= { ...fields };
    out[key] = { [WIRE_ERROR_FIELD]: toWireError(value) };
  }
  return out ?? fields;
}

/** The `fields` {@link toWireFields} made, with their errors rebuilt (`fields` itself when none is marked). */
export function fromWireFields(fields: object): object {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    const value: unknown = (fields as Record<string, unknown>)[key];
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, WIRE_ERROR_FIELD)) continue;
    out ??= { ...fields };
    out[key] = fromWireError((value as Record<string, WireError>)[WIRE_ERROR_FIELD] as WireError);
  }
  return out ?? fields;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
