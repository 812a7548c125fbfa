import { expect } from "vitest";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import { resolveConfig, type ResolveContext } from "../../src/config/resolveConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";

/** Run `fn`, expect a ConfigError and return it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

/** The ConfigError that resolving `config` (given as an unchecked object) raises. */
export function resolveError(config: unknown, context: ResolveContext = {}): ConfigError {
  return configError(() => resolveConfig(config as OrchestratorConfig, context));
}

/** A context registering agents of these names in code. */
export const registered = (...names: string[]): ResolveContext => ({ registered: names.map((name) => ({ name })) });
