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
 * {@link silentLogger}, and `debug`/`info` of {@link consoleLogger}): the
 * caller may skip building the entry. A host's logger is never known to.
 */
export function discards(logger: Logger, level: keyof Logger): boolean {
  return logger[level] === noop;
}

/** A logger that discards everything (what `logger: false` selects). */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** The default logger: warnings and errors to the console, debug and info discarded. */
export const consoleLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
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
  return Object.freeze({ debug: guard("debug"), info: guard("info"), warn: guard("warn"), error: guard("error") });
}
