/**
 * What the command line reads and writes: the process's streams and the
 * package's files in the bin, captured text in tests.
 */
export interface CliIo {
  /** Write a line (no trailing newline needed) to standard output. */
  out(line: string): void;
  /** Write a line (no trailing newline needed) to standard error. */
  err(line: string): void;
  /** The package's version (`--version`). */
  version(): string;
  /** The JSON Schema of `orchestrator.yaml`, as the text the package ships (`dist/schema.json`). */
  schema(): string;
}

/** Exit codes: 0 the command succeeded, 1 the configuration is invalid, 2 the command line is wrong. */
export const EXIT = Object.freeze({ ok: 0, invalid: 1, usage: 2 } as const);
