import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/CliIo.js";
import { runCli } from "../../src/cli/runCli.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { resolveSchedule, resolveTrigger } from "../../src/config/resolveTrigger.js";
import { withSchedulerDefaults } from "../../src/config/schedulerDefaults.js";
import { checkTrigger } from "../../src/schedule/checkTrigger.js";
import { configError, registered, resolveError } from "../helpers/resolveConfig.js";

// catchup and delivery on a trigger, their defaults in scheduler:, and state: { file }.

const HOUR = 3_600_000;
const resolveOne = (spec: unknown): ReturnType<typeof resolveTrigger> => resolveTrigger(spec, { agent: "eod" });

describe("catchup and delivery on a trigger", () => {
  it("resolves the spec's example: window in ms, runs and delivery as written", () => {
    const trigger = resolveOne({ cron: "0 16 * * 1-5", timezone: "America/New_York", catchup: { window: "1h", runs: "latest" }, delivery: "at-least-once" });
    expect(trigger).toEqual({
      kind: "cron",
      cron: "0 16 * * 1-5",
      timezone: "America/New_York",
      name: "cron:0 16 * * 1-5@America/New_York",
      overlap: "skip",
      misfire: "skip",
      misfireGrace: 1_000,
      catchup: { window: HOUR, runs: "latest" },
      delivery: "at-least-once",
    });
    expect(Object.isFrozen(trigger.catchup)).toBe(true);
  });

  it("reads catchup: {} as window 0, runs latest, and a window of 0 as allowed", () => {
    expect(resolveOne({ every: "15s", catchup: {} }).catchup).toEqual({ window: 0, runs: "latest" });
    expect(resolveOne({ every: "15s", catchup: { window: 0, runs: "all" } }).catchup).toEqual({ window: 0, runs: "all" });
    expect(resolveOne({ every: "15s", catchup: { window: "0s" } }).catchup).toEqual({ window: 0, runs: "latest" });
  });

  it("covers cron, every and at triggers", () => {
    for (const spec of [{ cron: "0 16 * * *" }, { every: "1m" }, { at: "2026-12-01T14:30:00Z" }]) {
      expect(resolveOne({ ...spec, catchup: { window: "10m", runs: "all" } }).catchup, JSON.stringify(spec)).toEqual({ window: 600_000, runs: "all" });
    }
  });

  it("leaves both fields absent on a trigger that sets neither", () => {
    const trigger = resolveOne({ every: "15s" });
    expect("catchup" in trigger).toBe(false);
    expect("delivery" in trigger).toBe(false);
  });

  it("refuses catchup on a delay trigger at its key, saying why and what to use instead", () => {
    const error = configError(() => resolveOne({ delay: "30s", catchup: { window: "1h" } }));
    expect(error.path).toBe("schedule.eod.catchup");
    expect(error.message).toMatch(/"catchup" does not apply to "delay" triggers: a delay counts from each start/);
    expect(error.message).toMatch(/use "at" \(a fixed instant\), "every" or "cron"/);
    expect(error.value).toEqual({ window: "1h" });
  });

  it("accepts delivery on a delay trigger", () => {
    expect(resolveOne({ delay: "30s", delivery: "at-least-once" }).delivery).toBe("at-least-once");
  });

  it("refuses an unknown key inside catchup with a suggestion, and bad values naming the key", () => {
    const typo = configError(() => resolveOne({ every: "1m", catchup: { windw: "1h" } }));
    expect(typo.path).toBe("schedule.eod.catchup.windw");
    expect(typo.message).toContain('unknown key "windw" (did you mean "window"?); expected one of: window, runs');
    const runs = configError(() => resolveOne({ every: "1m", catchup: { runs: "latests" } }));
    expect(runs.path).toBe("schedule.eod.catchup.runs");
    expect(runs.message).toContain('expected "latest" or "all", got "latests" (did you mean "latest"?)');
    const window = configError(() => resolveOne({ every: "1m", catchup: { window: "-5m" } }));
    expect(window.path).toBe("schedule.eod.catchup.window");
    expect(window.message).toContain("expected a duration such as \"0s\"");
    const notMapping = configError(() => resolveOne({ every: "1m", catchup: "1h" }));
    expect(notMapping.path).toBe("schedule.eod.catchup");
    expect(notMapping.message).toContain('expected a mapping (key: value pairs), got "1h"');
    const delivery = configError(() => resolveOne({ every: "1m", delivery: "at-least-one" }));
    expect(delivery.path).toBe("schedule.eod.delivery");
    expect(delivery.message).toContain('expected "at-most-once" or "at-least-once", got "at-least-one" (did you mean "at-least-once"?)');
  });
});

describe("scheduler: defaults for every trigger", () => {
  const config = {
    scheduler: { catchup: { window: "1h", runs: "all" }, delivery: "at-least-once" },
    schedule: {
      a: [{ cron: "0 16 * * *" }, { every: "1m", catchup: { window: "5m" } }, { at: "2026-12-01T14:30:00Z", delivery: "at-most-once" }, { delay: "30s" }],
      b: { every: "1m", catchup: {} },
    },
  };

  it("fills cron, every and at triggers that set none, and gives delay triggers the delivery only", () => {
    const resolved = resolveConfig(config as never, registered("a", "b"));
    expect(resolved.scheduler).toEqual({ catchup: { window: HOUR, runs: "all" }, delivery: "at-least-once" });
    const [cron, every, at, delay] = resolved.schedule["a"] ?? [];
    expect(cron).toMatchObject({ catchup: { window: HOUR, runs: "all" }, delivery: "at-least-once" });
    expect(at).toMatchObject({ catchup: { window: HOUR, runs: "all" }, delivery: "at-most-once" });
    expect(delay).toMatchObject({ delivery: "at-least-once" });
    expect(delay && "catchup" in delay).toBe(false);
    // a trigger's catchup replaces the default as a whole: runs falls back to latest, not to the default's all
    expect(every?.catchup).toEqual({ window: 300_000, runs: "latest" });
  });

  it("lets catchup: {} on a trigger turn a default off for it", () => {
    expect(resolveConfig(config as never, registered("a", "b")).schedule["b"]?.[0]?.catchup).toEqual({ window: 0, runs: "latest" });
  });

  it("leaves triggers as they are (no catchup, no delivery) when scheduler: sets nothing", () => {
    for (const scheduler of [undefined, {}, null]) {
      const resolved = resolveConfig({ scheduler, schedule: { a: { every: "1m" } } } as never, registered("a"));
      expect(resolved.scheduler).toEqual({});
      expect(resolved.schedule["a"]?.[0]).toEqual({ kind: "every", every: 60_000, name: "every:1m", overlap: "skip", misfire: "skip", misfireGrace: 1_000 });
    }
  });

  it("gives scheduler.catchup: {} as window 0, and refuses what a trigger's catchup refuses, naming scheduler.*", () => {
    expect(resolveConfig({ scheduler: { catchup: {} } }).scheduler).toEqual({ catchup: { window: 0, runs: "latest" } });
    const typo = resolveError({ scheduler: { catchup: { rns: "all" } } });
    expect(typo.path).toBe("scheduler.catchup.rns");
    expect(typo.message).toContain('unknown key "rns" (did you mean "runs"?)');
    expect(resolveError({ scheduler: { delivery: "exactly-once" } }).path).toBe("scheduler.delivery");
    expect(resolveError({ scheduler: { catchUp: {} } }).message).toContain('unknown key "catchUp" (did you mean "catchup"?); expected one of: catchup, delivery');
  });

  it("applies to triggers added in code through resolveSchedule's defaults, as to those of the file", () => {
    const { scheduler } = resolveConfig(config as never, registered("a", "b"));
    const [cron, delay, own] = resolveSchedule("a", [{ cron: "0 16 * * *" }, { delay: "30s" }, { every: "1m", catchup: { window: "5m" }, delivery: "at-most-once" }], { defaults: scheduler });
    expect(cron).toMatchObject({ catchup: { window: HOUR, runs: "all" }, delivery: "at-least-once" });
    expect(delay && "catchup" in delay).toBe(false);
    expect(own).toMatchObject({ catchup: { window: 300_000, runs: "latest" }, delivery: "at-most-once" });
    const plain = resolveSchedule("a", { every: "1m" }, { defaults: {} })[0];
    expect(plain && ("catchup" in plain || "delivery" in plain)).toBe(false);
  });

  it("withSchedulerDefaults returns the trigger itself when it changes nothing, and a frozen copy when it does", () => {
    const trigger = resolveOne({ every: "1m", catchup: { window: "1m" }, delivery: "at-most-once" });
    expect(withSchedulerDefaults(trigger, { catchup: { window: HOUR, runs: "all" }, delivery: "at-least-once" })).toBe(trigger);
    const bare = resolveOne({ every: "1m" });
    const filled = withSchedulerDefaults(bare, { delivery: "at-least-once" });
    expect(filled).not.toBe(bare);
    expect(Object.isFrozen(filled)).toBe(true);
    expect(filled).toEqual({ ...bare, delivery: "at-least-once" });
  });
});

describe("state: { file }", () => {
  it("resolves a relative file against the working directory for a configuration given in code, and keeps an absolute one", () => {
    expect(resolveConfig({ state: { file: "./var/orchestrator-state.json" } }).state).toEqual({ file: resolve(process.cwd(), "var/orchestrator-state.json") });
    const absolute = resolve("/srv/state.json");
    expect(resolveConfig({ state: { file: absolute } }).state).toEqual({ file: absolute });
    expect("state" in resolveConfig({})).toBe(false);
  });

  it("resolves a relative file against the configuration file's directory, and loadConfig returns it absolute", async () => {
    const directory = await mkdtemp(join(tmpdir(), "orchestrator-state-"));
    try {
      const file = join(directory, "orchestrator.yaml");
      await writeFile(file, "state: { file: ./var/orchestrator-state.json }\n");
      const loaded = await loadConfig(file);
      const expected = join(directory, "var", "orchestrator-state.json");
      expect(loaded.state).toEqual({ file: expected });
      expect(resolveConfig(loaded).state).toEqual({ file: expected });
      // a copy loses the hidden file position, not the path: it is absolute already
      expect(resolveConfig({ ...loaded }).state).toEqual({ file: expected });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("refuses an empty file, a state without a file, and unknown keys", () => {
    expect(resolveError({ state: { file: "" } })).toMatchObject({ path: "state.file", message: expect.stringContaining("expected a non-empty string, got \"\"") as unknown });
    expect(resolveError({ state: { file: 5 } }).path).toBe("state.file");
    expect(resolveError({ state: {} })).toMatchObject({ path: "state.file", message: expect.stringContaining('missing "file"') as unknown });
    expect(resolveError({ state: "./state.json" })).toMatchObject({ path: "state", message: expect.stringContaining("expected a mapping") as unknown });
    expect(resolveError({ state: { file: "./s.json", dir: "./var" } }).message).toContain('unknown key "dir"; expected one of: file');
  });
});

describe("positions in the file", () => {
  it("points a catchup on a delay trigger, and a typo inside scheduler.catchup, at their line and column", async () => {
    const directory = await mkdtemp(join(tmpdir(), "orchestrator-catchup-"));
    try {
      const file = join(directory, "orchestrator.yaml");
      await writeFile(file, ["schedule:", "  warmup:", "    delay: 30s", "    catchup: { window: 1h }", ""].join("\n"));
      await expect(loadConfig(file)).rejects.toMatchObject({ path: "schedule.warmup.catchup", line: 4, column: 5, file });
      await writeFile(file, ["scheduler:", "  catchup:", "    window: 1h", "    run: all", ""].join("\n"));
      await expect(loadConfig(file)).rejects.toMatchObject({ path: "scheduler.catchup.run", line: 4, column: 5, message: expect.stringContaining('(did you mean "runs"?)') as unknown });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe("a hand-built trigger's catchup and delivery (checkTrigger)", () => {
  const base = { kind: "every", every: 60_000, name: "every:1m", overlap: "skip", misfire: "skip", misfireGrace: 1_000 };

  it("accepts a resolved policy and refuses a bad one, naming the field", () => {
    expect(() => checkTrigger("a", { ...base, catchup: { window: 0, runs: "all" }, delivery: "at-least-once" })).not.toThrow();
    expect(() => checkTrigger("a", { ...base, catchup: { window: "1h", runs: "all" } })).toThrow(expect.objectContaining({ path: "schedule.a[every:1m].catchup" }));
    expect(() => checkTrigger("a", { ...base, catchup: { window: 0, runs: "some" } })).toThrow(/expected `catchup` to be \{ window, runs \}/);
    expect(() => checkTrigger("a", { ...base, delivery: "exactly-once" })).toThrow(/expected `delivery` to be one of at-most-once, at-least-once, got "exactly-once"/);
  });

  it("refuses a catchup on a delay trigger", () => {
    const delay = { ...base, kind: "delay", delay: 30_000, name: "delay:30s", catchup: { window: 0, runs: "latest" } };
    expect(() => checkTrigger("a", delay)).toThrow(/expected `catchup` to be absent on a delay trigger: a delay counts from each start/);
  });
});

describe("agent-orchestrator validate", () => {
  const fixtures = fileURLToPath(new URL("../fixtures/config/", import.meta.url));
  const io = (): CliIo & { stdout: string[]; stderr: string[] } => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line), version: () => "0.0.0", schema: () => "{}\n" };
  };

  it("accepts catchup, delivery, scheduler: and state: in a file", async () => {
    const out = io();
    expect(await runCli(["validate", "--skip-modules", join(fixtures, "trigger-state.yaml")], out)).toBe(0);
    expect(out.stdout).toEqual([expect.stringContaining("ok:")]);
    expect(out.stderr).toEqual([]);
  });

  it("refuses catchup on a delay trigger at its line and column", async () => {
    const out = io();
    expect(await runCli(["validate", "--skip-modules", join(fixtures, "catchup-on-delay.yaml")], out)).toBe(1);
    expect(out.stderr).toEqual([expect.stringMatching(/catchup-on-delay\.yaml:7:5 \(schedule\.warmup\.catchup\): "catchup" does not apply to "delay" triggers/)]);
  });
});
