// Runs the non-HTTP examples as a user would (`npx tsx examples/...`) and checks
// what they print. The HTTP examples have their own smoke test (http-examples).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = async (file: string): Promise<string> => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", file], {
    cwd: root,
    timeout: 30_000,
    env: { ...process.env, EXAMPLE_DURATION_MS: "1200" },
  });
  return stdout;
};

describe("examples", () => {
  test("custom-bus: a Bus wrapper carries the agents' messages and logs them", async () => {
    const out = await run("examples/custom-bus/main.ts");
    expect(out).toContain("subscribe pong.please");
    expect(out).toMatch(/request pong\.please \{"at":\d+\}/);
    expect(out).toContain('reply pong.please "pong"');
    expect(out).toContain("closed: shutdown");
  }, 40_000);

  test("yaml-config: agents loaded by module from YAML alone", async () => {
    const out = await run("examples/yaml-config/main.ts");
    expect(out).toContain("quotes (data): running");
    expect(out).toContain("supervisor_agent (critical): running");
    const seen = Number(/quotes seen: (\d+)/.exec(out)?.[1]);
    expect(seen).toBeGreaterThanOrEqual(4);
    expect(out).toContain("closed: shutdown");
  }, 40_000);
});
