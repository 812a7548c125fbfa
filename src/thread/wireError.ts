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

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
