import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { Agent, handlesCron } from "../../src/agent/Agent.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { started } from "../fixtures/registry/agents.js";
import { setup } from "../helpers/orchestrator.js";

// Decision 32: a trigger for an agent without onCron would fire every slot and run nothing.
// It is a ConfigError from createOrchestrator(), or a rejection of start() for an agent loaded
// by module (decision 26), before any agent starts.

class Quiet extends Agent {
  static readonly agentName = "quiet";
}
class Worker extends Agent {
  static readonly agentName: string = "worker";
  override onCron(): void {}
}
class InheritsCron extends Worker {
  static override readonly agentName: string = "heir";
}

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/registry/${name}`, import.meta.url));

describe("a trigger for an agent without onCron", () => {
  test("handlesCron sees onCron defined by the class or a class between it and Agent", () => {
    expect(handlesCron(Quiet)).toBe(false);
    expect(handlesCron(Worker)).toBe(true);
    expect(handlesCron(InheritsCron)).toBe(true);
  });

  test("createOrchestrator() refuses a schedule entry for it, naming the agent, the class and the key", () => {
    let thrown: unknown;
    try {
      setup({ agents: [Quiet], config: { schedule: { quiet: { every: "1m" } } } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ code: "CONFIG_INVALID", path: "schedule.quiet" });
    expect((thrown as Error).message).toContain('agent "quiet" has a trigger, but its class Quiet defines no onCron(tick)');
  });

  test("an inherited onCron is enough, and an agent without a trigger needs none", async () => {
    const { orch } = setup({ agents: [Quiet, InheritsCron], config: { schedule: { heir: { every: "1m" } } } });
    await orch.start();
    expect(orch.agent("heir")?.nextTriggerAt).toBeTypeOf("number");
    await orch.shutdown();
  });

  test("schedule() at run time refuses it too", async () => {
    const { orch } = setup({ agents: [Quiet] });
    await orch.start();
    expect(() => orch.schedule("quiet", { every: "1m" })).toThrow(expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringContaining("defines no onCron") as unknown }));
    expect(orch.agent("quiet")?.nextTriggerAt).toBeUndefined();
    await orch.shutdown();
  });

  test("an agent loaded by module: start() rejects at the YAML position and no agent starts", async () => {
    const config = await loadConfig(fixture("trigger-without-oncron.yaml"));
    const { orch } = setup({ agents: [Worker], config });
    const before = started.length;
    const error = await orch.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ path: "schedule.reporter", line: 5 });
    expect((error as Error).message).toContain("trigger-without-oncron.yaml:5");
    expect((error as Error).message).toContain('agent "reporter" has a trigger, but its class Reporter defines no onCron(tick)');
    expect(orch.agent("worker")?.state).toBe("stopped");
    expect(started.length).toBe(before);
    expect((await orch.closed).failed).toBe(true);
  });
});
