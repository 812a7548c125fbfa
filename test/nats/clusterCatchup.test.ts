// Catch-up once across a cluster (issue 17, SPEC decision 38): three host processes
// (test/fixtures/process/durableHost.ts) share one NATS trigger store bucket and a NATS bus, each with
// its own `instance` name. Their clocks are the system clock shifted by an offset, so ten minutes of
// downtime cost nothing. Every run is appended to one log file shared by the three processes.
//
// Timeline (shifted time; M0 a minute boundary):
//   run 1  three instances armed at M0 - 2 s: M0 runs once across the cluster; then all shut down
//   down   ten minutes: M0+1m … M0+10m are missed
//   run 2  three instances start together a few seconds after M0+10m: each missed slot the policy
//          names runs once across the cluster, and so does each live slot after
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { readRuns, slotKey, startHost, untilRuns, type Host, type HostSpec, type RunLine } from "../helpers/durableHost.js";
import { uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { freshBucket } from "../helpers/nats/triggerStoreBuckets.js";

const suite = natsSuite();
const MINUTE = 60_000;
const LIVE_PERIOD = 500;
const M0 = Date.UTC(2030, 0, 7, 15, 45);
const at = (minutes: number): number => M0 + minutes * MINUTE;
const INSTANCES = ["a", "b", "c"];

const directory = mkdtempSync(join(tmpdir(), "cluster-catchup-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const SCHEDULE = {
  "cron-all": { cron: "* * * * *", name: "m", catchup: { window: "5m", runs: "all" }, misfireGrace: "10s" },
  "every-latest": { every: "1m", name: "m", catchup: { window: "5m", runs: "latest" }, misfireGrace: "10s" },
  live: { every: `${LIVE_PERIOD}ms`, name: "s", misfireGrace: "10s" },
};
/** The catch-up each minute trigger owes at the start of run 2 (ten slots missed: M0+1m … M0+10m). */
const EXPECTED: Record<string, number[]> = {
  "cron-all": [6, 7, 8, 9, 10].map(at),
  "every-latest": [at(10)],
};

const hosts: Host[] = [];
afterAll(async () => {
  for (const host of hosts) if (host.process.exitCode === null && host.process.signalCode === null) await host.kill();
});

/** Each key's start lines, for the keys of `lines` that `keep` accepts. */
function startsByKey(lines: RunLine[], keep: (line: RunLine) => boolean): Map<string, RunLine[]> {
  const byKey = new Map<string, RunLine[]>();
  for (const line of lines) if (line.phase === "start" && keep(line)) byKey.set(line.key, [...(byKey.get(line.key) ?? []), line]);
  return byKey;
}

describe("three instances sharing a NATS trigger store, after ten minutes down", () => {
  test("the catch-up runs once across the cluster (one instance logs each missed slot the policy names), and so does each live slot after it", async () => {
    const bucket = freshBucket(suite, "catchup");
    const prefix = uniqueToken("catchup");
    const log = join(directory, `${bucket}.log`);
    const spec = (instance: string, offset: number, go: boolean): HostSpec => ({ log, schedule: SCHEDULE, nats: { url: suite.url, prefix, bucket, instance }, offset, go });
    const cluster = (offset: number, go: boolean): Host[] => {
      const started = INSTANCES.map((instance) => startHost(spec(instance, offset, go)));
      hosts.push(...started);
      return started;
    };

    // run 1: the three load (and connect), then all are armed at M0 - 2 s
    const first = cluster(0, true);
    await Promise.all(first.map((host) => host.waitFor((event) => event["event"] === "loaded", 30_000, "an instance to load")));
    const offset1 = M0 - 2_000 - Date.now();
    await Promise.all(first.map((host) => host.go(offset1)));
    const started1 = await Promise.all(first.map((host) => host.started()));
    for (const started of started1) expect(started.before, "run 1 was armed before M0").toBeLessThan(M0);
    await untilRuns(log, (lines) => lines.filter((line) => line.phase === "end" && line.scheduledAt === M0 && line.agent !== "live").length >= 2, 15_000, "the M0 runs");
    await Promise.all(first.map((host) => host.stop()));
    const run1 = readRuns(log);
    for (const agent of Object.keys(EXPECTED)) {
      expect(run1.filter((line) => line.agent === agent && line.phase === "start").map((line) => line.scheduledAt), `${agent}: run 1`).toEqual([M0]);
    }

    // run 2: ten minutes later (shifted), the three start together: loaded and connected first, then
    // started in the same instant, so that they read the store before any of them has begun the catch-up
    const second = cluster(0, true);
    await Promise.all(second.map((host) => host.waitFor((event) => event["event"] === "loaded", 30_000, "an instance to load")));
    await Promise.all(second.map((host) => host.go(offset1 + 10 * MINUTE)));
    const pids = new Set(second.map((host) => host.pid));
    const started2 = await Promise.all(second.map((host) => host.started(20_000)));
    for (const started of started2) {
      expect(started.before, "armed after M0+10m").toBeGreaterThan(at(10));
      expect(started.after, "armed well before M0+11m").toBeLessThan(at(11) - 10_000);
    }
    const allStarted = Math.max(...started2.map((started) => started.after));
    const catchupRuns = Object.values(EXPECTED).reduce((sum, slots) => sum + slots.length, 0);
    const ofRun2 = (lines: RunLine[]): RunLine[] => lines.filter((line) => pids.has(line.pid));
    const waited = await untilRuns(
      log,
      (lines) => {
        const ends = ofRun2(lines).filter((line) => line.phase === "end");
        return ends.filter((line) => line.catchup).length >= catchupRuns && ends.filter((line) => line.agent === "live" && line.scheduledAt > allStarted).length >= 6;
      },
      20_000,
      "the catch-up runs and six live slots after all three started",
    );
    // the live slots up to the latest one that had ended when the wait was over ran while all three were up
    const lastAwaited = Math.max(...ofRun2(waited).filter((line) => line.agent === "live" && line.phase === "end").map((line) => line.scheduledAt));
    await Promise.all(second.map((host) => host.stop()));
    const run2 = ofRun2(readRuns(log));

    // each missed slot the policy names ran exactly once across the cluster, as a catch-up tick with the slot's key
    for (const [agent, slots] of Object.entries(EXPECTED)) {
      const byKey = startsByKey(run2, (line) => line.agent === agent);
      expect([...byKey.keys()].sort(), `${agent}: the slots run in run 2`).toEqual(slots.map((slot) => slotKey(agent, "m", slot)).sort());
      for (const [key, starts] of byKey) {
        expect(starts.map((line) => line.instance), `${key} ran on more than one instance, or twice`).toHaveLength(1);
        expect(starts[0]).toMatchObject({ catchup: true, attempt: 1 });
      }
      // each instance ran its share oldest first (the slots may be shared out among the instances that started together)
      for (const instance of INSTANCES) {
        const mine = run2.filter((line) => line.agent === agent && line.instance === instance && line.phase === "start").map((line) => line.scheduledAt);
        expect(mine, `${agent} on ${instance}: oldest first`).toEqual([...mine].sort((x, y) => x - y));
      }
      // one instance (the first to plan it) reported the whole plan
      const reports = started2.flatMap((started) => started.catchups.filter((event) => event.agent === agent));
      expect(reports).toContainEqual({ agent, trigger: "m", run: slots.length, retried: 0, downtime: 10 - slots.length, interrupted: 0 });
    }

    // live slots: each once across the cluster, none missing while all three ran
    const live = startsByKey(run2, (line) => line.agent === "live");
    for (const [key, starts] of live) expect(starts.map((line) => line.instance), `${key} ran twice`).toHaveLength(1);
    const steady = [...live.values()].map((starts) => (starts[0] as RunLine).scheduledAt).filter((slot) => slot > allStarted && slot <= lastAwaited);
    expect(steady.length).toBeGreaterThanOrEqual(6);
    const earliest = Math.min(...steady);
    expect(steady.sort((x, y) => x - y), "a live slot was missed").toEqual(Array.from({ length: (lastAwaited - earliest) / LIVE_PERIOD + 1 }, (_, i) => earliest + i * LIVE_PERIOD));
    expect(run2.filter((line) => line.agent === "live").every((line) => !line.catchup)).toBe(true);

    const planners = started2.filter((started) => started.catchups.some((event) => event.run > 0)).length;
    const byInstance = run2.filter((line) => line.catchup && line.phase === "start").map((line) => `${line.instance}:${line.agent}@${(line.scheduledAt - M0) / MINUTE}m`);
    console.info(`${planners} of 3 instances planned the catch-up; who ran it: ${byInstance.join(", ")}`);

    // and nothing that ran in run 1 ran again
    const keys = readRuns(log).filter((line) => line.phase === "start").map((line) => line.key);
    expect(new Set(keys).size, "a slot ran twice across the two runs").toBe(keys.length);
  }, 60_000);
});
