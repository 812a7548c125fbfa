// What the orchestrator does to its host process: keeps it alive only when
// asked, and handles SIGTERM only when asked. Real child processes, bounded.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

function host(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/process/orchestrator.ts", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "started" within 20 s: ${out}`)), 20_000);
    child.stdout.on("data", () => {
      if (out.includes("started")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, exited, started, output: () => out };
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> =>
  Promise.race([promise, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms))]);

describe("the host process", () => {
  test("keepAlive: false lets the host exit when nothing else holds the event loop", async () => {
    const { exited, started } = host([]);
    await started;
    await expect(within(exited, 10_000)).resolves.toEqual({ code: 0, signal: null });
  }, 30_000);

  test("keepAlive: true keeps it running; handleSignals: true turns SIGTERM into a graceful shutdown", async () => {
    const { child, exited, started, output } = host(["--keep-alive", "--handle-signals"]);
    await started;
    expect(await within(exited, 1_500)).toBe("timeout");
    child.kill("SIGTERM");
    await expect(within(exited, 10_000)).resolves.toEqual({ code: 0, signal: null });
    expect(output()).toContain("agent stopped");
    expect(output()).toContain("closed: SIGTERM");
  }, 30_000);

  test("without handleSignals, SIGTERM is the host's: the default action ends the process", async () => {
    const { child, exited, started, output } = host(["--keep-alive"]);
    await started;
    child.kill("SIGTERM");
    await expect(within(exited, 10_000)).resolves.toEqual({ code: null, signal: "SIGTERM" });
    expect(output()).not.toContain("agent stopped");
  }, 30_000);
});
