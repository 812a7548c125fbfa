// A host that was down for ten minutes, with the file store (issue 17, SPEC decision 38), in real
// processes: each run is a child process (test/fixtures/process/durableHost.ts) whose clock is the
// system clock shifted by an offset, so ten minutes of downtime cost nothing. Its agents append
// every run to a log file; the test reads which slots ran, how often, and how.
//
// Timeline (shifted time; M0 a minute boundary):
//   run 1  starts at M0 - 1.5 s, runs the live slot M0 of every trigger, shuts down gracefully
//   down   ten minutes: M0+1m … M0+10m are missed
//   run 2  starts a few seconds after M0+10m (offset + 10 min): catch-up, by each trigger's policy
//   run 3  starts again at once: nothing is left to catch up, nothing runs twice
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { readRuns, slotKey, startHost, untilRuns, type Host, type HostSpec, type RunLine } from "../helpers/durableHost.js";

const MINUTE = 60_000;
/** A minute boundary of the shifted clock (any would do). */
const M0 = Date.UTC(2030, 0, 7, 15, 45);
const at = (minutes: number): number => M0 + minutes * MINUTE;

const directory = mkdtempSync(join(tmpdir(), "downtime-file-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** One agent per policy, each with one minute trigger; cron and `every` both covered. */
const SCHEDULE = {
  "cron-all": { cron: "* * * * *", name: "m", catchup: { window: "5m", runs: "all" }, misfireGrace: "10s" },
  "every-all": { every: "1m", name: "m", catchup: { window: "5m", runs: "all" }, misfireGrace: "10s" },
  "cron-latest": { cron: "* * * * *", name: "m", catchup: { window: "5m", runs: "latest" }, misfireGrace: "10s" },
  "every-none": { every: "1m", name: "m", catchup: { window: 0 }, misfireGrace: "10s" },
};
const AGENTS = Object.keys(SCHEDULE);

/** What each policy must run at the start of run 2, and count as downtime: ten slots missed, M0+1m … M0+10m. */
const EXPECTED: Record<string, { run: number[]; downtime: number }> = {
  // window 5m before a start in (M0+10m, M0+11m): M0+6m … M0+10m, oldest first
  "cron-all": { run: [6, 7, 8, 9, 10].map(at), downtime: 5 },
  "every-all": { run: [6, 7, 8, 9, 10].map(at), downtime: 5 },
  "cron-latest": { run: [at(10)], downtime: 9 },
  "every-none": { run: [], downtime: 10 },
};

function spec(name: string, offset = 0, go = false): HostSpec {
  return { log: join(directory, `${name}.log`), state: join(directory, `${name}.json`), schedule: SCHEDULE, offset, go };
}

const ofPid = (lines: RunLine[], pid: number, phase: "start" | "end"): RunLine[] => lines.filter((line) => line.pid === pid && line.phase === phase);

/** Ensure a host does not outlive a failed test. */
const hosts: Host[] = [];
afterAll(async () => {
  for (const host of hosts) if (host.process.exitCode === null && host.process.signalCode === null) await host.kill();
});
function host(options: HostSpec): Host {
  const started = startHost(options);
  hosts.push(started);
  return started;
}

describe("a host down for ten minutes, with the file store", () => {
  test("runs exactly the missed slots its policy names, once, oldest first, as catch-up ticks with the slot's key; the rest is counted as downtime", async () => {
    const log = spec("ten").log;

    // run 1: armed 1.5 s before M0, it runs M0 live on every trigger, then shuts down gracefully
    const first = host(spec("ten", 0, true));
    await first.go(M0 - 1_500 - Date.now());
    const started1 = await first.started();
    expect(started1.before, "run 1 was armed before M0, so M0 is a live slot").toBeLessThan(M0);
    expect(started1.catchups, "a store that never saw the triggers has no downtime").toEqual([]);
    await untilRuns(log, (lines) => ofPid(lines, first.pid, "end").length === AGENTS.length, 15_000, "the M0 run of every trigger to end", first);
    await first.stop();
    const run1 = readRuns(log);
    expect(run1.map((line) => [line.agent, line.scheduledAt, line.catchup, line.phase]).sort()).toEqual(
      AGENTS.flatMap((agent) => [
        [agent, M0, false, "end"],
        [agent, M0, false, "start"],
      ]).sort(),
    );

    // ten minutes later (shifted): run 2 catches up
    const offset2 = started1.offset + 10 * MINUTE;
    const second = host(spec("ten", offset2));
    const started2 = await second.started();
    // armed after M0+10m and before M0+11m: the missed slots are exactly M0+1m … M0+10m
    expect(started2.before).toBeGreaterThan(at(10));
    expect(started2.after).toBeLessThan(at(11) - 10_000);
    // wait for as many runs as the host planned (the trigger:catchup events at start), then check them
    const planned = started2.catchups.reduce((sum, event) => sum + event.run, 0);
    expect(planned).toBeGreaterThan(0);
    await untilRuns(log, (lines) => ofPid(lines, second.pid, "end").length >= planned, 20_000, `the ${planned} catch-up runs to end`, second);
    const stopped2 = await second.stop();
    const run2 = readRuns(log).filter((line) => line.pid === second.pid);

    for (const agent of AGENTS) {
      const { run, downtime } = EXPECTED[agent] as { run: number[]; downtime: number };
      const lines = run2.filter((line) => line.agent === agent);
      // one at a time, oldest first: start and end of each slot, in order
      expect(
        lines.map((line) => [line.scheduledAt, line.phase]),
        `${agent}: the catch-up runs`,
      ).toEqual(run.flatMap((slot) => [[slot, "start"], [slot, "end"]]));
      for (const line of lines) expect(line).toMatchObject({ catchup: true, attempt: 1, key: slotKey(agent, "m", line.scheduledAt) });
      // downtime, as /metrics and the trigger:catchup event say it
      expect(started2.skipped[agent]?.["downtime"], `${agent}: downtime in /metrics`).toBe(downtime);
      expect(started2.catchups.filter((event) => event.agent === agent)).toEqual([{ agent, trigger: "m", run: run.length, retried: 0, downtime, interrupted: 0 }]);
    }
    expect(stopped2.skipped, "nothing was skipped for any other reason during the catch-up").toEqual(started2.skipped);

    // run 3, at once: nothing left to catch up, nothing counted twice, nothing runs
    const third = host(spec("ten", offset2));
    const started3 = await third.started();
    expect(started3.catchups).toEqual([]);
    for (const agent of AGENTS) expect(started3.skipped[agent]?.["downtime"], `${agent}: downtime counted again`).toBe(0);
    await third.stop();

    // across the three runs, every slot ran at most once
    const starts = readRuns(log).filter((line) => line.phase === "start");
    expect(starts.filter((line) => line.pid === third.pid)).toEqual([]);
    const keys = starts.map((line) => line.key);
    expect(new Set(keys).size, "a slot ran twice").toBe(keys.length);
  }, 60_000);
});
