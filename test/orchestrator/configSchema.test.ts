import { fileURLToPath } from "node:url";
import * as v from "valibot";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, type AgentClass } from "../../src/agent/Agent.js";
import type { InferOutput, StandardSchemaV1 } from "../../src/agent/StandardSchema.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { seen } from "../fixtures/registry/schema-agents.js";
import { setup } from "../helpers/orchestrator.js";

// Decision 35: an agent's `static configSchema` (any Standard Schema) judges its config before any
// agent starts; its output is `this.config`, in every incarnation.

const feedConfig = z.object({
  symbols: z.array(z.string()).min(1),
  limits: z.array(z.object({ symbol: z.string(), max: z.number() })).default([]),
});

const starts: unknown[] = [];

class ZodFeed extends Agent<InferOutput<typeof feedConfig>> {
  static readonly agentName = "feed";
  static readonly configSchema = feedConfig;
  override start(): void {
    starts.push(this.config);
  }
}

const valibotConfig = v.object({ symbols: v.array(v.string()), spread: v.pipe(v.number(), v.minValue(0)) });

class ValibotFeed extends Agent<InferOutput<typeof valibotConfig>> {
  static readonly agentName = "vfeed";
  static readonly configSchema = valibotConfig;
  override start(): void {
    starts.push(this.config);
  }
}

const fixture = (path: string): string => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** An agent class whose asynchronous configSchema never answers. */
function muteAgent(): AgentClass {
  const silent: StandardSchemaV1<unknown, unknown> = { "~standard": { version: 1, vendor: "test", validate: () => new Promise(() => undefined) } };
  return class Mute extends Agent {
    static readonly agentName = "mute";
    static readonly configSchema = silent;
  };
}

/** A hand-written Standard Schema: `{ port }` with a number in 1..65535, counting its calls. */
function portSchema(options: { async?: boolean } = {}): StandardSchemaV1<{ port: number }, { port: number; url: string }> & { calls: number } {
  const schema = {
    calls: 0,
    "~standard": {
      version: 1 as const,
      vendor: "hand-written",
      validate(value: unknown) {
        schema.calls++;
        const port = (value as { port?: unknown } | undefined)?.port;
        const result =
          typeof port === "number" && port >= 1 && port <= 65_535
            ? { value: { port, url: `http://localhost:${port}` } }
            : { issues: [{ message: "expected a port number in 1..65535", path: [{ key: "port" }] }] };
        return options.async === true ? Promise.resolve(result) : result;
      },
    },
  };
  return schema;
}

describe("an agent's configSchema", () => {
  test("a zod schema's refusal is a ConfigError naming the agent, every issue's path and message, and the value", () => {
    starts.length = 0;
    const error = thrownBy(() => setup({ agents: [ZodFeed], config: { agents: { feed: { config: { symbols: "AAPL", limits: [{ symbol: 1, max: 2 }] } } } } }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.feed.config.symbols", value: "AAPL", file: undefined });
    const message = (error as Error).message;
    expect(message).toContain('agent "feed": config refused by the configSchema of class ZodFeed (zod), 2 issues:');
    expect(message).toMatch(/- agents\.feed\.config\.symbols: .*expected array.* \(got "AAPL"\)/);
    expect(message).toMatch(/- agents\.feed\.config\.limits\[0\]\.symbol: .*expected string.* \(got 1\)/);
    expect(starts).toEqual([]);
  });

  test("a valibot schema is judged the same way, a missing key reported as missing", () => {
    const error = thrownBy(() => setup({ agents: [ValibotFeed], config: { agents: { vfeed: { config: { spread: -1 } } } } }));
    expect(error).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.vfeed.config.symbols" });
    const message = (error as Error).message;
    expect(message).toContain("(valibot), 2 issues:");
    expect(message).toMatch(/- agents\.vfeed\.config\.symbols: .* \(missing\)/);
    expect(message).toMatch(/- agents\.vfeed\.config\.spread: .* \(got -1\)/);
  });

  test("a config from a file is reported at file:line:column of each offending value", async () => {
    const config = await loadConfig(fixture("config/agent-config.yaml"));
    const error = thrownBy(() => setup({ agents: [ZodFeed], config }));
    expect(error).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.feed.config.symbols", line: 5, column: 16 });
    const message = (error as Error).message;
    expect(message.startsWith(`${fixture("config/agent-config.yaml")}:5:16 (agents.feed.config.symbols): agent "feed"`)).toBe(true);
    expect(message).toContain(`${fixture("config/agent-config.yaml")}:5:16 (agents.feed.config.symbols): `);
    expect(message).toContain(`${fixture("config/agent-config.yaml")}:8:32 (agents.feed.config.limits[1].max): `);
  });

  test("this.config holds the output (defaults filled), the same value in every incarnation, validated once", async () => {
    starts.length = 0;
    const schema = portSchema();
    class Server extends Agent<{ port: number; url: string }> {
      static readonly agentName = "server";
      static readonly configSchema = schema;
      override start(): void {
        starts.push(this.config);
        if (starts.length === 1) throw new Error("first start fails");
      }
    }
    const { orch, clock } = setup({ agents: [Server, ZodFeed], config: { agents: { server: { config: { port: 8080 } }, feed: { config: { symbols: ["AAPL"] } } } } });
    await orch.start();
    await clock.advance(1_000);
    expect(orch.agent("server")).toMatchObject({ state: "running", restarts: 1 });
    const [first, feed, second] = starts;
    expect(first).toEqual({ port: 8080, url: "http://localhost:8080" });
    expect(feed).toEqual({ symbols: ["AAPL"], limits: [] });
    expect(second).toBe(first);
    expect(schema.calls).toBe(1);
    await orch.shutdown();
  });

  test("an agent with a schema and no config: is validated with undefined, so defaults apply", async () => {
    starts.length = 0;
    const withDefaults = z.object({ every: z.number().default(5) }).default({ every: 5 });
    class Poller extends Agent<InferOutput<typeof withDefaults>> {
      static readonly agentName = "poller";
      static readonly configSchema = withDefaults;
      override start(): void {
        starts.push(this.config);
      }
    }
    const { orch } = setup({ agents: [Poller] });
    await orch.start();
    expect(starts).toEqual([{ every: 5 }]);
    await orch.shutdown();
    expect(thrownBy(() => setup({ agents: [ZodFeed] }))).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.feed.config" });
  });

  test("an asynchronous schema: createOrchestrator() returns, start() rejects before any agent starts", async () => {
    starts.length = 0;
    const schema = portSchema({ async: true });
    class Server extends Agent<{ port: number; url: string }> {
      static readonly agentName = "server";
      static readonly configSchema = schema;
    }
    const { orch } = setup({ agents: [ZodFeed, Server], config: { agents: { server: { config: { port: 0 } }, feed: { config: { symbols: ["A"] } } } } });
    const error = await rejectionOf(orch.start());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.server.config.port", value: 0 });
    expect((error as Error).message).toContain("expected a port number in 1..65535 (got 0)");
    expect(starts).toEqual([]);
    expect(orch.agent("feed")?.state).toBe("stopped");
    expect((await orch.closed).failed).toBe(true);
  });

  test("an asynchronous schema's output is this.config once start() has awaited it", async () => {
    starts.length = 0;
    class Server extends Agent<{ port: number; url: string }> {
      static readonly agentName = "server";
      static readonly configSchema = portSchema({ async: true });
      override start(): void {
        starts.push(this.config);
      }
    }
    const { orch } = setup({ agents: [Server], config: { agents: { server: { config: { port: 9000 } } } } });
    await orch.start();
    expect(starts).toEqual([{ port: 9000, url: "http://localhost:9000" }]);
    await orch.shutdown();
  });

  test("an asynchronous schema that never answers: start() rejects after supervisor.startTimeout, naming the agent, before any agent starts", async () => {
    starts.length = 0;
    const Mute = muteAgent();
    const { orch, clock } = setup({ agents: [ZodFeed, Mute], config: { agents: { feed: { config: { symbols: ["A"] } } }, supervisor: { startTimeout: "10s" } } });
    const starting = rejectionOf(orch.start());
    await clock.advance(9_999);
    expect(orch.phase).toBe("starting");
    await clock.advance(1);
    const error = await starting;
    expect(error).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.mute.config" });
    expect((error as Error).message).toContain('agent "mute": its configSchema did not answer within 10s (supervisor.startTimeout); no agent was started');
    expect(starts).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  test("start({ signal }) aborted while an asynchronous schema has not answered: start() rejects ABORTED once the shutdown has ended", async () => {
    starts.length = 0;
    const Mute = muteAgent();
    const { orch, clock } = setup({ agents: [ZodFeed, Mute], config: { agents: { feed: { config: { symbols: ["A"] } } } } });
    const controller = new AbortController();
    const starting = rejectionOf(orch.start({ signal: controller.signal }));
    await clock.advance(100);
    controller.abort(new Error("deploy cancelled"));
    await clock.advance(100);
    const error = await starting;
    expect(error).toMatchObject({ code: "ABORTED" });
    expect(orch.phase).toBe("stopped");
    expect(starts).toEqual([]);
  });

  test("a schema that throws, or one that is not a Standard Schema, is a ConfigError that says so", () => {
    const boom = new Error("schema bug");
    class Throws extends Agent {
      static readonly agentName = "throws";
      static readonly configSchema: StandardSchemaV1 = {
        "~standard": {
          version: 1,
          vendor: "x",
          validate: () => {
            throw boom;
          },
        },
      };
    }
    const thrown = thrownBy(() => setup({ agents: [Throws] }));
    expect(thrown).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.throws.config", cause: boom });
    expect((thrown as Error).message).toContain('agent "throws": the configSchema of class Throws threw while validating the config: schema bug');

    class NotASchema extends Agent {
      static readonly agentName = "odd";
      static readonly configSchema = { parse: (value: unknown) => value } as unknown as StandardSchemaV1;
    }
    const odd = thrownBy(() => setup({ agents: [NotASchema] }));
    expect(odd).toMatchObject({ code: "CONFIG_INVALID", path: "agents.odd.config" });
    expect((odd as Error).message).toContain("expected the static `configSchema` of class NotASchema to be a Standard Schema v1");
  });

  test("an agent loaded by module: start() rejects at the YAML position, and no agent starts", async () => {
    starts.length = 0;
    seen.length = 0;
    const file = fixture("registry/schema-module.yaml");
    const loaded = await loadConfig(file);
    const { orch } = setup({ agents: [ZodFeed], config: { agents: { ...loaded.agents, feed: { config: { symbols: ["A"] } } } } });
    const error = await rejectionOf(orch.start());
    expect(error).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.quotes.config.symbols" });
    expect((error as Error).message).toContain('agent "quotes": config refused by the configSchema of class Quotes (zod), 2 issues:');
    expect(starts).toEqual([]);
    expect(seen).toEqual([]);
  });

  test("an agent loaded by module from a file: positions point into it; a good config starts with the output", async () => {
    seen.length = 0;
    const bad = setup({ config: await loadConfig(fixture("registry/schema-module.yaml")) });
    const error = await rejectionOf(bad.orch.start());
    expect(error).toMatchObject({ code: "AGENT_CONFIG_INVALID", line: 6, column: 16 });
    expect((error as Error).message).toContain("schema-module.yaml:7:14 (agents.quotes.config.every)");
    const good = setup({ config: await loadConfig(fixture("registry/schema-module-ok.yaml")) });
    await good.orch.start();
    expect(seen).toEqual([{ symbols: ["AAPL", "MSFT"], every: 5 }]);
    await good.orch.shutdown();
  });
});
