import { describe, expect, test } from "vitest";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";

/**
 * `await using orch = createOrchestrator(...)` with the real syntax. Node 20
 * and 22 do not parse `using` declarations yet: there the snippet is compiled
 * at run time and must be refused as a SyntaxError (so nothing is silently
 * skipped); where Node parses it, the block must shut the orchestrator down.
 */

type Block = (make: () => Orchestrator, seen: Orchestrator[]) => Promise<void>;

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => Block;
const SNIPPET = "{ await using orch = make(); seen.push(orch); await orch.start(); }";

function compile(): Block | SyntaxError {
  try {
    return new AsyncFunction("make", "seen", SNIPPET);
  } catch (error) {
    if (error instanceof SyntaxError) return error;
    throw error;
  }
}

const compiled = compile();

describe("await using", () => {
  if (compiled instanceof SyntaxError) {
    test(`this Node (${process.version}) has no \`using\` syntax: the snippet is refused as a SyntaxError, the direct call is tested instead`, () => {
      expect(compiled).toBeInstanceOf(SyntaxError);
    });
  } else {
    const block = compiled;
    test(`on ${process.version} the end of an \`await using\` block shuts the orchestrator down`, async () => {
      const seen: Orchestrator[] = [];
      const a = scriptedAgent("a");
      await block(() => setup({ agents: [a.Agent] }).orch, seen);
      expect(seen[0]?.phase).toBe("stopped");
      expect(a.instances[0]?.signal.aborted).toBe(true);
    });
  }
});
