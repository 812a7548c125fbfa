import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, type AgentClass } from "../../src/agent/Agent.js";
import type { StandardSchemaV1, StandardSchemaV1Result } from "../../src/agent/StandardSchema.js";
import { validateAgentConfig } from "../../src/agent/validateAgentConfig.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";

/** An agent class whose configSchema answers `result` (or a promise of it). */
function withSchema(result: unknown, vendor = "test"): AgentClass {
  const schema: StandardSchemaV1 = {
    "~standard": { version: 1, vendor, validate: () => result as StandardSchemaV1Result<unknown> },
  };
  return class Subject extends Agent {
    static readonly configSchema = schema;
  };
}

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("validateAgentConfig", () => {
  test("a class without a schema gets its config back as written, synchronously", () => {
    class Plain extends Agent {}
    const config = { anything: [1, 2] };
    expect(validateAgentConfig({ agent: "p", agentClass: Plain, config })).toEqual({ value: config });
  });

  test("a synchronous schema answers synchronously with its output", () => {
    class Zod extends Agent<{ n: number }> {
      static readonly configSchema = z.object({ n: z.coerce.number() });
    }
    expect(validateAgentConfig({ agent: "z", agentClass: Zod, config: { n: "4" } })).toEqual({ value: { n: 4 } });
  });

  test("an asynchronous schema answers with a promise, rejecting with the ConfigError", async () => {
    const refused = validateAgentConfig({ agent: "a", agentClass: withSchema(Promise.resolve({ issues: [{ message: "nope" }] })), config: 1 });
    expect(refused).toBeInstanceOf(Promise);
    await expect(refused).rejects.toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.a.config", value: 1 });
    await expect(validateAgentConfig({ agent: "a", agentClass: withSchema(Promise.reject(new Error("down"))), config: 1 })).rejects.toMatchObject({
      code: "AGENT_CONFIG_INVALID",
      message: expect.stringContaining("threw while validating the config: down") as unknown,
    });
  });

  test("issue paths of property keys and { key } segments, an index included, become key paths; a symbol key is named", () => {
    const issues = [
      { message: "first", path: ["limits", 1, { key: "max" }] },
      { message: "second", path: [{ key: Symbol("s") }] },
      { message: "root" },
    ];
    const error = refusal(() => validateAgentConfig({ agent: "k", agentClass: withSchema({ issues }), config: { limits: [{}, { max: "x" }] } }));
    expect(error).toMatchObject({ path: "agents.k.config.limits[1].max", value: "x" });
    expect(error.message).toContain('- agents.k.config.limits[1].max: first (got "x")');
    expect(error.message).toContain('- agents.k.config["Symbol(s)"]: second (missing)');
    expect(error.message).toContain('- agents.k.config: root (got {"limits":[{},{"max":"x"}]})');
  });

  test("a result that is not one, or a refusal without issues, is a ConfigError that says so", () => {
    expect(refusal(() => validateAgentConfig({ agent: "m", agentClass: withSchema(42), config: 1 })).message).toContain("returned 42 instead of a result");
    expect(refusal(() => validateAgentConfig({ agent: "m", agentClass: withSchema({ issues: [] }), config: 1 })).message).toContain("refused the config without naming an issue");
  });

  test("the origin's source gives each issue its file:line:column", async () => {
    const file = fileURLToPath(new URL("../fixtures/config/agent-config.yaml", import.meta.url));
    const origin = await loadConfig(file);
    const config = origin.agents?.["feed"]?.config;
    class Feed extends Agent {
      static readonly configSchema = z.object({ symbols: z.array(z.string()) });
    }
    const error = refusal(() => validateAgentConfig({ agent: "feed", agentClass: Feed, config, origin }));
    expect(error).toMatchObject({ file, line: 5, column: 16, path: "agents.feed.config.symbols" });
    expect(error.message).toContain(`${file}:5:16 (agents.feed.config.symbols): agent "feed": config refused by the configSchema of class Feed (zod): `);
    expect(error.message).toContain('(got "AAPL")');
  });
});
