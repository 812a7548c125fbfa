import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import type { Agent } from "../../src/agent/Agent.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { recordEvents, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";

/**
 * Operator actions taken after `start()` began and before it resolved: an
 * agent `start()` has not reached yet has a pending start, which the action
 * changes (docs/supervision.md, "Operator actions while start() runs").
 */

/** An agent whose start() takes `ms` of fake time. */
function slowStarter(name: string, ms: number) {
  return scriptedAgent(name, { start: (agent) => new Promise<void>((resolve) => agent.clock.setTimeout(resolve, ms)) });
}

/** An agent that publishes every second on its own clock, as long as it lives. */
function ticker(name: string) {
  const published: number[] = [];
  const made = scriptedAgent(name, {
    start: (agent) => {
      const beat = (): void => {
        agent.bus.publish(`beat.${name}`, { at: agent.clock.now() }).catch(() => undefined);
        published.push(agent.clock.now());
        agent.clock.setTimeout(beat, 1_000);
      };
      agent.clock.setTimeout(beat, 1_000);
    },
  });
  return { ...made, published };
}

/** Start `orch`, let `during` act right away, and drive fake time until start() settles. */
async function startWhile(orch: Orchestrator, clock: ManualClock, during: () => void): Promise<void> {
  let settled = false;
  const starting = orch.start().finally(() => void (settled = true));
  during();
  while (!settled) await clock.advance(100);
  await starting;
}

async function shutdownOnFakeTime(orch: Orchestrator, clock: ManualClock): Promise<void> {
  let done = false;
  void orch.shutdown().then(() => void (done = true));
  while (!done) await clock.advance(500);
  await clock.advance(0);
}

/** Every incarnation ever built has its signal aborted; nothing of them is left on the clock. */
function expectAllEnded(instances: readonly Agent[], clock: ManualClock): void {
  expect(instances.map((agent) => agent.signal.aborted)).toEqual(instances.map(() => true));
  expect(clock.pending).toBe(0);
}

describe("operator actions while start() runs", () => {
  test.each(["enable", "restart"] as const)(
    "%s() of an agent start() has not reached yet starts it once, in its turn; shutdown leaves no incarnation alive",
    async (action) => {
      const first = slowStarter("first", 1_000);
      const later = ticker("later");
      const { orch, clock } = setup({ agents: [first.Agent, later.Agent] });
      const events = recordEvents(orch);
      await startWhile(orch, clock, () => orch[action]("later"));
      expect(later.instances).toHaveLength(1);
      // it started in its turn, after "first" had finished starting
      const states = events["agent:state"].filter((event) => event.state === "starting").map((event) => event.agent);
      expect(states).toEqual(["first", "later"]);
      expect(orch.agent("later")).toMatchObject({ state: "running", restarts: 0 });
      expect(events["agent:restart"]).toEqual([]);

      await clock.advance(5_000);
      await shutdownOnFakeTime(orch, clock);
      const publishedAtShutdown = later.published.length;
      expectAllEnded([...first.instances, ...later.instances], clock);
      // nothing of "later" runs on after shutdown
      await clock.advance(15_000);
      expect(later.published).toHaveLength(publishedAtShutdown);
      expect(orch.agents().map((agent) => agent.state)).toEqual(["stopped", "stopped"]);
    },
  );

  test("disable() of an agent start() has not reached yet wins: start() skips it, and it stays disabled", async () => {
    const first = slowStarter("first", 1_000);
    const later = ticker("later");
    const { orch, clock } = setup({ agents: [first.Agent, later.Agent] });
    const events = recordEvents(orch);
    await startWhile(orch, clock, () => orch.disable("later"));
    expect(later.instances).toHaveLength(0);
    expect(orch.agent("later")?.state).toBe("disabled");
    expect(events["agent:disabled"]).toEqual([{ agent: "later", group: "data", reason: "operator" }]);
    await clock.advance(60_000);
    expect(later.instances).toHaveLength(0);
    // the operator can start it afterwards, as any disabled agent
    orch.enable("later");
    await clock.advance(0);
    expect(later.instances).toHaveLength(1);
    expect(orch.agent("later")?.state).toBe("running");
    await shutdownOnFakeTime(orch, clock);
    expectAllEnded([...first.instances, ...later.instances], clock);
  });

  test("the last action before start() reaches an agent decides: disable then enable starts it, enable then disable does not", async () => {
    const first = slowStarter("first", 1_000);
    const on = scriptedAgent("on");
    const off = scriptedAgent("off");
    const { orch, clock } = setup({ agents: [first.Agent, on.Agent, off.Agent] });
    await startWhile(orch, clock, () => {
      orch.disable("on");
      orch.enable("on");
      orch.restart("off");
      orch.disable("off");
    });
    expect(on.instances).toHaveLength(1);
    expect(off.instances).toHaveLength(0);
    expect(orch.agents().map(({ name, state }) => [name, state])).toEqual([
      ["first", "running"],
      ["on", "running"],
      ["off", "disabled"],
    ]);
    await shutdownOnFakeTime(orch, clock);
  });

  test("enable() of an agent the config disables, before start() reaches it, starts it in its turn", async () => {
    const first = slowStarter("first", 1_000);
    const later = scriptedAgent("later");
    const { orch, clock } = setup({ agents: [first.Agent, later.Agent], config: { agents: { later: { enabled: false } } } });
    await startWhile(orch, clock, () => orch.enable("later"));
    expect(later.instances).toHaveLength(1);
    expect(orch.agent("later")?.state).toBe("running");
    await shutdownOnFakeTime(orch, clock);
  });

  test("restart() and disable() of the agent start() is waiting on act on that start: one incarnation at a time, start() goes on", async () => {
    const slow = slowStarter("slow", 1_000);
    const after = scriptedAgent("after");
    const { orch, clock } = setup({ agents: [slow.Agent, after.Agent] });
    const live = (): number => slow.instances.filter((agent) => !agent.signal.aborted).length;
    let most = 0;
    await startWhile(orch, clock, () => {
      // start() is waiting on the first incarnation's start()
      queueMicrotask(() => orch.restart("slow"));
      const watch = (): void => {
        most = Math.max(most, live());
        if (clock.now() < T0 + 5_000) clock.setTimeout(watch, 50);
      };
      watch();
    });
    expect(slow.instances).toHaveLength(2);
    expect(slow.instances[0]?.signal.aborted).toBe(true);
    expect(after.instances).toHaveLength(1);
    await clock.advance(5_000);
    expect(most).toBe(1);
    expect(orch.agent("slow")).toMatchObject({ state: "running", restarts: 1 });

    const second = setup({ agents: [slowStarter("slow", 1_000).Agent, scriptedAgent("after").Agent] });
    await startWhile(second.orch, second.clock, () => queueMicrotask(() => second.orch.disable("slow")));
    expect(second.orch.agents().map(({ name, state }) => [name, state])).toEqual([
      ["slow", "disabled"],
      ["after", "running"],
    ]);
    await shutdownOnFakeTime(orch, clock);
    await shutdownOnFakeTime(second.orch, second.clock);
    expectAllEnded(slow.instances, clock);
  });

  test("an action on an agent whose module start() is still loading applies once it has loaded", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ao-early-"));
    const agentUrl = pathToFileURL(join(process.cwd(), "src/agent/Agent.ts")).href;
    writeFileSync(
      join(dir, "late.ts"),
      `import { Agent } from ${JSON.stringify(agentUrl)};\nexport default class Late extends Agent { static agentName = "late"; }\n`,
    );
    writeFileSync(join(dir, "agents.yaml"), "agents:\n  late:\n    module: ./late.ts\n");
    const config = await loadConfig(join(dir, "agents.yaml"));
    const { orch, clock } = setup({ config });
    await startWhile(orch, clock, () => orch.disable("late"));
    expect(orch.agent("late")?.state).toBe("disabled");
    await shutdownOnFakeTime(orch, clock);
    // an agent the config does not know is still refused at once
    const other = setup({ config, clock: new ManualClock(T0) });
    let refusal: unknown;
    await startWhile(other.orch, other.clock, () => {
      try {
        other.orch.enable("nobody");
      } catch (error) {
        refusal = error;
      }
    });
    expect(refusal).toMatchObject({ code: "UNKNOWN_AGENT" });
    await shutdownOnFakeTime(other.orch, other.clock);
  });
});
