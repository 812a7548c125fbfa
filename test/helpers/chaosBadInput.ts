import { expect } from "vitest";
import { Agent, type AgentClass } from "../../src/agent/Agent.js";
import type { AgentContext } from "../../src/agent/AgentContext.js";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import type { OrchestratorError } from "../../src/errors/OrchestratorError.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { OrchestratorOptions } from "../../src/orchestrator/OrchestratorOptions.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { T0 } from "./orchestrator.js";

/** An agent class that counts its instances, for "no half-started agent" checks. */
export function countedAgent(name: string): { Agent: AgentClass; built: () => number } {
  let built = 0;
  class Counted extends Agent {
    static readonly agentName = name;
    constructor(context: AgentContext) {
      super(context);
      built++;
    }
  }
  return { Agent: Counted, built: () => built };
}

/** What the process and `Object.prototype` look like, to prove a refused input left nothing behind. */
export function processSnapshot(): { readonly signals: number; readonly prototypeKeys: string } {
  return {
    signals: process.listenerCount("SIGTERM") + process.listenerCount("SIGINT"),
    prototypeKeys: Object.getOwnPropertyNames(Object.prototype).sort().join(","),
  };
}

/** Object.prototype is untouched: no key was added through a `__proto__` or `constructor` name. */
export function expectNoPollution(before: ReturnType<typeof processSnapshot>): void {
  expect(processSnapshot().prototypeKeys).toBe(before.prototypeKeys);
  const probe: Record<string, unknown> = {};
  for (const key of ["group", "module", "enabled", "restart", "critical", "heartbeatTimeout", "config", "every", "polluted", "crashLoop"]) {
    expect(probe[key], `Object.prototype.${key}`).toBeUndefined();
  }
}

/**
 * `createOrchestrator` with `config` (and agents `a` and `b` registered in
 * code) must throw a ConfigError synchronously, having built no agent, set no
 * timer and installed no signal handler. Returns the error.
 */
export function refuseConfig(config: unknown, options: Partial<OrchestratorOptions> = {}): ConfigError {
  const a = countedAgent("a");
  const b = countedAgent("b");
  const clock = new ManualClock(T0);
  const before = processSnapshot();
  let thrown: unknown;
  try {
    createOrchestrator({ agents: [a.Agent, b.Agent], config: config as OrchestratorConfig, clock, logger: false, keepAlive: false, handleSignals: true, ...options });
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a ConfigError for ${safeJson(config)}`).toBeInstanceOf(ConfigError);
  expect(a.built() + b.built()).toBe(0);
  expect(clock.pending).toBe(0);
  expect(processSnapshot().signals).toBe(before.signals);
  expectNoPollution(before);
  return thrown as ConfigError;
}

/** The error must carry its key path, name it in its message, and say what was expected. */
export function expectNamed(error: OrchestratorError & { path?: string | undefined }, path: string, ...phrases: Array<string | RegExp>): void {
  expect(error.code).toBe("CONFIG_INVALID");
  expect(error.path).toBe(path);
  expect(error.message).toContain(path);
  for (const phrase of phrases) {
    if (typeof phrase === "string") expect(error.message).toContain(phrase);
    else expect(error.message).toMatch(phrase);
  }
}

/** JSON for messages, tolerating values JSON cannot show. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
