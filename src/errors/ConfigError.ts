import { OrchestratorError } from "./OrchestratorError.js";

/**
 * Codes of a {@link ConfigError}: `CONFIG_INVALID` for configuration content
 * (the YAML file, or the `config` object given in code, and registrations);
 * `AGENT_CONFIG_INVALID` for an agent's `config` refused by its class's
 * `static configSchema` (or a schema that throws); `INVALID_OPTION` for a bad
 * option passed in code (`createOrchestrator`'s own options,
 * `shutdown({ timeout })`, the testing kit's options). The buses raise
 * `INVALID_OPTION` as a `BusError`.
 */
export type ConfigErrorCode = "CONFIG_INVALID" | "AGENT_CONFIG_INVALID" | "INVALID_OPTION";

/** Where in a configuration a {@link ConfigError} was found. */
export interface ConfigErrorDetails {
  /** The configuration file, when the config came from one. */
  readonly file?: string;
  /** The key path, e.g. `groups.strategy.restart.max`. */
  readonly path?: string;
  /** 1-based line in `file`, when the YAML parser gives it. */
  readonly line?: number;
  /** 1-based column in `file`, when the YAML parser gives it. */
  readonly column?: number;
  /** The offending value. */
  readonly value?: unknown;
  /** The underlying error (a YAML syntax error, a failed import, ...). */
  readonly cause?: unknown;
  /**
   * The error's code.
   * @default "CONFIG_INVALID"
   */
  readonly code?: ConfigErrorCode;
}

/**
 * Invalid configuration or registration: raised before any agent starts.
 * The message names the file, key path, line and column (where known), the bad
 * value and what was expected.
 */
export class ConfigError extends OrchestratorError {
  override name = "ConfigError";
  declare readonly code: ConfigErrorCode;
  /** The configuration file, when known. */
  readonly file: string | undefined;
  /** The key path of the bad value, e.g. `agents.risk.group`. */
  readonly path: string | undefined;
  /** 1-based line of the bad value in `file`, when known. */
  readonly line: number | undefined;
  /** 1-based column of the bad value in `file`, when known. */
  readonly column: number | undefined;
  /** The bad value. */
  readonly value: unknown;

  constructor(message: string, details: ConfigErrorDetails = {}) {
    // an option's message names the option itself ("createBus: expected `clock` …"): no path in front
    const where = details.code === "INVALID_OPTION" ? "" : formatWhere(details);
    super(details.code ?? "CONFIG_INVALID", where ? `${where}: ${message}` : message, { cause: details.cause });
    this.file = details.file;
    this.path = details.path;
    this.line = details.line;
    this.column = details.column;
    this.value = details.value;
  }
}

function formatWhere(details: ConfigErrorDetails): string {
  let where = details.file ?? "";
  if (details.file !== undefined && details.line !== undefined) {
    where += `:${details.line}${details.column === undefined ? "" : `:${details.column}`}`;
  }
  if (details.path !== undefined && details.path !== "") where += where ? ` (${details.path})` : details.path;
  return where;
}
