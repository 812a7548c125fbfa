import { loggableError } from "./errors/describeThrown.js";

/**
 * A pino-style logger: any object with these four methods works (pino, bunyan
 * children, a console adapter). The first argument carries structured fields.
 */
export interface Logger {
  /** Detail for debugging (the orchestrator logs little at this level). */
  debug(fields: object, message?: string): void;
  /** Lifecycle and operator actions. */
  info(fields: object, message?: string): void;
  /** Escalations, abandoned stops, skipped past `at` triggers. */
  warn(fields: object, message?: string): void;
  /** Crashes and failures, with `{ agent, reason, err }`. */
  error(fields: object, message?: string): void;
}

const noop = (): void => undefined;

/**
 * True when `logger` drops every entry of `level` unread (the levels of
 * {@link silentLogger}, and `debug` of {@link consoleLogger}, also once
 * wrapped by {@link guardLogger}): the caller may skip building the entry. A
 * host's logger is never known to.
 */
export function discards(logger: Logger, level: keyof Logger): boolean {
  return logger[level] === noop;
}

/** A logger that discards everything (what `logger: false` selects). */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/**
 * The default logger: info, warnings and errors to the console (info to
 * stdout, the others to stderr), debug discarded. Info is what an operator
 * reads to follow the orchestrator: it starts, an agent restarts after a
 * crash, an operator acted, it shuts down. Nothing the orchestrator logs at
 * info comes per message or per agent at start, so a host of thousands of
 * agents is not flooded (its own agents' `this.log.info` lines are printed
 * too).
 */
export const consoleLogger: Logger = Object.freeze({
  debug: noop,
  info: (fields: object, message?: string) => console.info(`[agent-orchestrator] ${message ?? ""}`, fields),
  warn: (fields: object, message?: string) => console.warn(`[agent-orchestrator] ${message ?? ""}`, fields),
  error: (fields: object, message?: string) => console.error(`[agent-orchestrator] ${message ?? ""}`, fields),
});

/**
 * Wrap a host's logger so that logging never throws into the orchestrator and an
 * `err` field is always safe to serialise (see `loggableError`): a logger that
 * fails, or a thrown value a serialiser cannot read, must not keep a crash from
 * being handled.
 */
export function guardLogger(logger: Logger): Logger {
  const guard = (level: keyof Logger) => (fields: object, message?: string): void => {
    try {
      const safe = "err" in fields ? { ...fields, err: loggableError((fields as { err?: unknown }).err) } : fields;
      logger[level](safe, message);
    } catch {
      // a logger that throws loses this line, nothing else
    }
  };
  // a level the logger discards stays the discarding function, so `discards()` still sees it
  const level = (name: keyof Logger) => (logger[name] === noop ? noop : guard(name));
  return Object.freeze({ debug: level("debug"), info: level("info"), warn: level("warn"), error: level("error") });
}
