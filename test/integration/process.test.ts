// What the orchestrator does to its host process: keeps it alive only when
// asked, and handles SIGTERM only when asked. Real child processes, bounded.
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { guardLogger, type Logger } from "../../src/logger.js";
import { SignalHandlers } from "../../src/orchestrator/SignalHandlers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function host(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/process/orchestrator.ts", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiting = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    for (const check of waiting) check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  /** Resolves once the output contains `text` (rejects after `ms`, or when the process exits first). */
  const line = (text: string, ms = 20_000): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        waiting.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = (): void => {
        if (out.includes(text)) done();
      };
      const timer = setTimeout(() => done(new Error(`no "${text}" within ${ms} ms; output so far:\n${out}`)), ms);
      waiting.add(check);
      void exited.then((how) => {
        if (!out.includes(text)) done(new Error(`the process exited (${JSON.stringify(how)}) before "${text}"; output:\n${out}`));
      });
      check();
    });
  return { child, exited, started: line("started"), line, output: () => out };
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

describe("a second signal during a graceful shutdown (SPEC decision 31)", () => {
  for (const [first, second] of [
    ["SIGTERM", "SIGTERM"],
    ["SIGTERM", "SIGINT"],
    ["SIGINT", "SIGINT"],
  ] as const) {
    test(`${first} then ${second} while an agent's stop() runs: logged and ignored, the shutdown completes and the process exits 0 by itself`, async () => {
      const { child, exited, started, line, output } = host(["--keep-alive", "--handle-signals", "--slow-stop"]);
      await started;
      child.kill(first);
      await line("agent stopping");
      child.kill(second);
      await line(`warn: ${second} received again`);
      await expect(within(exited, 15_000)).resolves.toEqual({ code: 0, signal: null });
      const out = output();
      expect(out).toMatch(new RegExp(`warn: ${second} received again: shutdown is already in progress, bounded by shutdown\\.timeout \\(30s\\); ignoring it`));
      // stop() ran to its end before the orchestrator closed, and the handlers were removed after it
      expect(out.indexOf("agent stopped")).toBeGreaterThan(out.indexOf(`warn: ${second} received again`));
      expect(out.indexOf(`closed: ${first}`)).toBeGreaterThan(out.indexOf("agent stopped"));
      expect(out).toContain("shutdown finished; signal handlers left: 0");
    }, 30_000);
  }

  test("repeated signals do not extend the shutdown: a stop() that never settles is abandoned at shutdown.timeout", async () => {
    const { child, exited, started, line, output } = host(["--keep-alive", "--handle-signals", "--hung-stop"]);
    await started;
    child.kill("SIGTERM");
    await line("agent stopping");
    child.kill("SIGTERM");
    await line("warn: SIGTERM received again");
    child.kill("SIGINT");
    await line("warn: SIGINT received again");
    await expect(within(exited, 15_000)).resolves.toEqual({ code: 0, signal: null });
    expect(output()).toContain("bounded by shutdown.timeout (1s)");
    expect(output()).toContain("closed: SIGTERM");
    expect(output()).not.toContain("agent stopped");
  }, 30_000);

  test("once shutdown has finished the handlers are gone: a later SIGTERM is the host's again (Node's default ends the process)", async () => {
    const { child, exited, started, line } = host(["--keep-alive", "--handle-signals", "--hold"]);
    await started;
    child.kill("SIGTERM");
    await line("shutdown finished; signal handlers left: 0");
    expect(await within(exited, 500)).toBe("timeout");
    child.kill("SIGTERM");
    await expect(within(exited, 10_000)).resolves.toEqual({ code: null, signal: "SIGTERM" });
  }, 30_000);
});

describe("SignalHandlers (on an emitter standing in for process)", () => {
  function setup(logger: Partial<Logger> = {}) {
    const source = new EventEmitter();
    const lines: string[] = [];
    const calls: string[] = [];
    const log: Logger = {
      debug: () => undefined,
      info: (_f, m) => lines.push(`info ${m ?? ""}`),
      warn: (_f, m) => lines.push(`warn ${m ?? ""}`),
      error: (_f, m) => lines.push(`error ${m ?? ""}`),
      ...logger,
    };
    const handlers = new SignalHandlers({
      source,
      logger: log,
      timeout: 30_000,
      shutdown: (signal) => {
        calls.push(signal);
        return new Promise<void>(() => undefined);
      },
    });
    return { source, handlers, lines, calls };
  }

  test("one listener per signal, idempotent install and remove; the first signal shuts down, later ones are only logged", () => {
    const { source, handlers, lines, calls } = setup();
    handlers.install();
    handlers.install();
    expect([source.listenerCount("SIGTERM"), source.listenerCount("SIGINT")]).toEqual([1, 1]);
    source.emit("SIGINT", "SIGINT");
    source.emit("SIGTERM", "SIGTERM");
    source.emit("SIGINT", "SIGINT");
    expect(calls).toEqual(["SIGINT"]);
    expect(lines).toEqual([
      "info SIGINT: shutting down",
      "warn SIGTERM received again: shutdown is already in progress, bounded by shutdown.timeout (30s); ignoring it",
      "warn SIGINT received again: shutdown is already in progress, bounded by shutdown.timeout (30s); ignoring it",
    ]);
    // still installed: only the owner removes them, once the shutdown has finished
    expect(handlers.installed).toBe(true);
    handlers.remove();
    handlers.remove();
    expect([source.listenerCount("SIGTERM"), source.listenerCount("SIGINT")]).toEqual([0, 0]);
  });

  test("a throwing logger (as the orchestrator guards it) or a throwing shutdown never escapes the handler", async () => {
    const boom = (): never => {
      throw new Error("logger down");
    };
    const source = new EventEmitter();
    const handlers = new SignalHandlers({ source, logger: guardLogger({ debug: boom, info: boom, warn: boom, error: boom }), timeout: 1_000, shutdown: () => boom() });
    handlers.install();
    expect(() => source.emit("SIGTERM", "SIGTERM")).not.toThrow();
    expect(() => source.emit("SIGTERM", "SIGTERM")).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    handlers.remove();
  });
});
