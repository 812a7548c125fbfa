import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useNatsServer } from "../helpers/nats/natsServer.js";
import { spawnTsx, withTimeout } from "../helpers/nats/processes.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/cluster/two-instances.ts", import.meta.url));

let url = "";
let release: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ url, release } = await useNatsServer());
});
afterAll(() => release());

describe("examples/cluster/two-instances.ts", () => {
  it("runs two instances that share the slots, each handled once, and stops by itself", async () => {
    const example = spawnTsx(EXAMPLE, { NATS_URL: url, EXAMPLE_DURATION_MS: "3000" });
    try {
      expect(await withTimeout(example.exited, 15_000, "the example to stop by itself")).toBe(0);
      const lines = example.events.map((event) => (typeof event["line"] === "string" ? event["line"] : ""));
      const handled = lines.filter((line) => / handled by instance [AB] /.test(line));
      const summary = lines.at(-1) ?? "";
      const match = /^slots: (\d+), by A: (\d+), by B: (\d+), handled twice: (\d+)$/.exec(summary);
      expect(match, `unexpected last line: ${summary}\n${example.stderr()}`).not.toBeNull();
      const [, slots, byA, byB, twice] = (match as RegExpExecArray).map(Number);
      expect(slots).toBeGreaterThanOrEqual(2);
      expect(handled).toHaveLength(slots as number);
      expect((byA as number) + (byB as number)).toBe(slots);
      expect(twice).toBe(0);
    } finally {
      example.child.kill("SIGKILL");
    }
  });
});
