// kill -9 in the middle of a run, then a restart on the same state file (issue 17, SPEC decision 38),
// in real processes (test/fixtures/process/durableHost.ts). Each host's agent appends every run to a
// log file (a `start` line, and an `end` line just before onCron returns); the test reads it, and the
// state file after each kill, to check which slots ran, how often and with which attempt.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { decodeStateFile } from "../../src/state/triggerStateFile.js";
import type { TriggerRecord } from "../../src/state/TriggerStore.js";
import { mulberry32 } from "../helpers/chaosRandom.js";
import { readRuns, slotKey, startHost, untilRuns, type Host, type HostSpec, type RunLine, type StartedEvent } from "../helpers/durableHost.js";

type Delivery = "at-most-once" | "at-least-once";
/** The period of the `every: 500ms` trigger of the single-kill tests. */
const PERIOD = 500;

const directory = mkdtempSync(join(tmpdir(), "kill-mid-run-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const hosts: Host[] = [];
afterAll(async () => {
  for (const host of hosts) if (host.process.exitCode === null && host.process.signalCode === null) await host.kill();
});
function host(spec: HostSpec): Host {
  const started = startHost(spec);
  hosts.push(started);
  return started;
}

/** The record of worker:s in the state file (an empty one when there is no file yet); fails when the file is not valid. */
function recordIn(file: string): TriggerRecord {
  if (!existsSync(file)) return { running: [], ran: [] };
  const decoded = decodeStateFile(readFileSync(file, "utf8"));
  if (!decoded.ok) throw new Error(`the state file is not valid after a kill: ${decoded.message}`);
  return decoded.document.records.get("worker:s") ?? { running: [], ran: [] };
}

const ranCovers = (record: TriggerRecord, slot: number): boolean => record.ran.some(([first, last]) => first <= slot && slot <= last);

/** Slots of a period `period` in `(after, upTo]`. */
const slotsIn = (after: number, upTo: number, period: number): number => Math.max(0, Math.floor(upTo / period) - Math.floor(after / period));

function trigger(delivery: Delivery, every: string): Record<string, unknown> {
  return { worker: { every, name: "s", delivery, misfireGrace: "5s" } };
}

describe.each<Delivery>(["at-most-once", "at-least-once"])("kill -9 mid-run, then a restart, delivery %s", (delivery) => {
  test(
    delivery === "at-most-once"
      ? "the slot cut short is not run again and is counted interrupted; no slot that completed runs again"
      : "the slot cut short runs once more at start, with attempt 2 and the same key; no slot that completed runs again",
    async () => {
      const name = `once-${delivery}`;
      const files = { log: join(directory, `${name}.log`), state: join(directory, `${name}.json`) };

      // incarnation 1: every 500 ms; its third run never ends; killed while it is open
      const first = host({ ...files, schedule: trigger(delivery, "500ms"), hold: 3 });
      const lines1 = await untilRuns(files.log, (lines) => lines.some((line) => line.held === true), 20_000, "the held run to start", first);
      const held = lines1.find((line) => line.held === true) as RunLine;
      // mid-run means after the store has the start (at-most-once without a window writes it in the same turn, not before onCron)
      await untilRuns(files.log, () => recordIn(files.state).running.some((run) => run.slot === held.scheduledAt), 5_000, "the held run's start in the state file", first);
      await first.kill();
      const completed = readRuns(files.log).filter((line) => line.phase === "end");
      expect(completed.map((line) => line.scheduledAt)).toEqual([held.scheduledAt - 2 * PERIOD, held.scheduledAt - PERIOD]);
      const afterKill = recordIn(files.state);
      expect(afterKill.running.map((run) => [run.slot, run.attempt])).toEqual([[held.scheduledAt, 1]]);

      // incarnation 2, same state file
      const second = host({ ...files, schedule: trigger(delivery, "500ms") });
      const started = await second.started();
      const lastSlot = afterKill.lastSlot as number;
      // window 0: the slots missed while down are counted as downtime, none run
      const downtime = started.skipped["worker"]?.["downtime"] ?? -1;
      expect(downtime).toBeGreaterThanOrEqual(slotsIn(lastSlot, started.before, PERIOD));
      expect(downtime).toBeLessThanOrEqual(slotsIn(lastSlot, started.after, PERIOD));
      const again = delivery === "at-least-once";
      expect(started.skipped["worker"]?.["interrupted"]).toBe(again ? 0 : 1);
      expect(started.catchups).toEqual([{ agent: "worker", trigger: "s", run: 0, retried: again ? 1 : 0, downtime, interrupted: again ? 0 : 1 }]);

      // wait for the rerun (at-least-once) and two live runs of the new incarnation to end
      await untilRuns(
        files.log,
        (lines) => {
          const ends = lines.filter((line) => line.pid === second.pid && line.phase === "end");
          return ends.filter((line) => !line.catchup).length >= 2 && (!again || ends.some((line) => line.key === held.key));
        },
        15_000,
        "the second incarnation's runs",
        second,
      );
      await second.stop();

      const all = readRuns(files.log);
      const ofHeld = all.filter((line) => line.key === held.key).map((line) => [line.pid, line.phase, line.attempt, line.catchup]);
      expect(held.key).toBe(slotKey("worker", "s", held.scheduledAt));
      expect(ofHeld).toEqual(
        again
          ? [
              [first.pid, "start", 1, false],
              [second.pid, "start", 2, true],
              [second.pid, "end", 2, true],
            ]
          : [[first.pid, "start", 1, false]],
      );
      // the new incarnation ran nothing the store had dealt with: only later live slots (and the rerun)
      for (const line of all.filter((line) => line.pid === second.pid && line.key !== held.key)) {
        expect(line).toMatchObject({ catchup: false, attempt: 1 });
        expect(line.scheduledAt).toBeGreaterThan(lastSlot);
      }
      const starts = all.filter((line) => line.phase === "start").map((line) => line.key);
      for (const done of completed) expect(starts.filter((key) => key === done.key), `${done.key} completed and ran again`).toHaveLength(1);
      const final = recordIn(files.state);
      expect(final.running.some((run) => run.slot === held.scheduledAt)).toBe(false);
      expect(ranCovers(final, held.scheduledAt), "the held slot counts as ran").toBe(again);
    },
    40_000,
  );
});

describe("a host that dies at the very instant of a run's start or end", () => {
  test.each<["start" | "end", Delivery]>([
    ["start", "at-least-once"],
    ["end", "at-most-once"],
    ["end", "at-least-once"],
  ])("killed right as onCron %s, delivery %s: the restart handles the run as delivery says (at-least-once: the store had it as started)", async (at, delivery) => {
    const name = `die-${at}-${delivery}`;
    const files = { log: join(directory, `${name}.log`), state: join(directory, `${name}.json`) };
    const first = host({ ...files, schedule: trigger(delivery, "500ms"), die: { nth: 2, at } });
    const { signal } = await first.exited;
    expect(signal).toBe("SIGKILL");
    const dead = readRuns(files.log).find((line) => line.dies === at) as RunLine;
    expect(dead).toBeDefined();
    // at-least-once without a window: onCron ran only once the store had its start; its end (when logged) was not recorded yet.
    // at-most-once without a window starts at once and writes the start in the same turn: a kill right then may beat the write,
    // and the slot then shows as missed (counted downtime), never as run
    const afterKill = recordIn(files.state);
    const recorded = afterKill.running.some((run) => run.slot === dead.scheduledAt && run.attempt === 1);
    if (delivery === "at-least-once") expect(afterKill.running.map((run) => [run.slot, run.attempt])).toEqual([[dead.scheduledAt, 1]]);
    else if (!recorded) expect(afterKill.lastSlot ?? -Infinity).toBeLessThan(dead.scheduledAt);

    const second = host({ ...files, schedule: trigger(delivery, "500ms") });
    const started = await second.started();
    const again = delivery === "at-least-once";
    expect(started.catchups.map((event) => [event.retried, event.interrupted])).toEqual([[again ? 1 : 0, again || !recorded ? 0 : 1]]);
    await untilRuns(files.log, (lines) => lines.filter((line) => line.pid === second.pid && line.phase === "end" && !line.catchup).length >= 1 && (!again || lines.some((line) => line.pid === second.pid && line.phase === "end" && line.key === dead.key)), 15_000, "the second incarnation's runs", second);
    await second.stop();
    const ofDead = readRuns(files.log).filter((line) => line.key === dead.key).map((line) => [line.pid, line.phase, line.attempt]);
    const firstRun = at === "start" ? [[first.pid, "start", 1]] : [[first.pid, "start", 1], [first.pid, "end", 1]];
    // at-least-once: run once more, attempt 2, even when its first onCron had returned (its end was not recorded: it "may have run twice")
    expect(ofDead).toEqual(again ? [...firstRun, [second.pid, "start", 2], [second.pid, "end", 2]] : firstRun);
  }, 30_000);
});

/** Kills of the loop, then one last incarnation that shuts down gracefully. */
const KILLS = 8;
const SEED = 1_700;

/** A real-time delay: the kill instant is the point of the loop (the only place this file sleeps). */
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<Delivery>(["at-most-once", "at-least-once"])("kill -9 at random instants, delivery %s", (delivery) => {
  test(`${KILLS} kills at seeded random instants, then a graceful run: no completed slot ever runs again, and every run cut short is handled as delivery says`, async () => {
    const random = mulberry32(SEED + (delivery === "at-least-once" ? 1 : 0));
    const name = `loop-${delivery}`;
    const files = { log: join(directory, `${name}.log`), state: join(directory, `${name}.json`) };
    // every 250 ms, runs of 60–220 ms: a random instant falls inside a run about half of the time
    const spec = (seed: number): HostSpec => ({ ...files, schedule: trigger(delivery, "250ms"), go: true, work: { min: 60, max: 220, seed } });
    /** The record after each incarnation (the next one loads exactly this: nothing else writes the file). */
    const snapshots: TriggerRecord[] = [];
    const incarnations: Host[] = [];
    const startedOf: Array<StartedEvent | undefined> = [];
    let next = host(spec(1));
    for (let kill = 0; kill <= KILLS; kill++) {
      const current = next;
      incarnations.push(current);
      // the next host loads its modules while this one runs
      if (kill < KILLS) next = host(spec(kill + 2));
      await current.go(0);
      if (kill < KILLS) {
        await delay(random.int(0, 1_500));
        await current.kill();
      } else {
        // the last one: let it catch up (its reruns) and run two live slots, then stop it gracefully
        const started = await current.started();
        const reruns = started.catchups.reduce((sum, event) => sum + event.retried, 0);
        await untilRuns(
          files.log,
          (lines) => {
            const ends = lines.filter((line) => line.pid === current.pid && line.phase === "end");
            return ends.filter((line) => line.attempt === 2).length >= reruns && ends.filter((line) => !line.catchup).length >= 2;
          },
          15_000,
          "the last incarnation's reruns and two live runs",
          current,
        );
        await current.stop();
      }
      startedOf.push(current.events.find((event) => event["event"] === "started") as StartedEvent | undefined);
      snapshots.push(recordIn(files.state));
    }

    const lines = readRuns(files.log);
    const incarnationOf = new Map(incarnations.map((incarnation, index) => [incarnation.pid, index]));
    const empty: TriggerRecord = { running: [], ran: [] };
    const before = (index: number): TriggerRecord => (index === 0 ? empty : (snapshots[index - 1] as TriggerRecord));
    const starts = lines.filter((line) => line.phase === "start");
    let cutShort = 0;
    let endedNotRecorded = 0;

    for (const line of starts) {
      const index = incarnationOf.get(line.pid) as number;
      const loaded = before(index);
      expect(line.key).toBe(slotKey("worker", "s", line.scheduledAt));
      if (line.attempt === 1) {
        // window 0: a first attempt is always a live slot, after everything the store had dealt with
        expect(line.catchup).toBe(false);
        expect(line.scheduledAt, `${line.key} started at or before the lastSlot the incarnation loaded`).toBeGreaterThan(loaded.lastSlot ?? -Infinity);
      } else {
        // a rerun: only with at-least-once, at start, of a run the store had as started with attempt 1
        expect(delivery, `${line.key} ran twice under at-most-once`).toBe("at-least-once");
        expect(line).toMatchObject({ attempt: 2, catchup: true });
        expect(loaded.running.map((run) => [run.slot, run.attempt]), `${line.key} rerun without being recorded as cut short`).toContainEqual([line.scheduledAt, 1]);
      }
      // a slot whose end the store had recorded never starts again
      for (let earlier = 0; earlier < index; earlier++) expect(ranCovers(snapshots[earlier] as TriggerRecord, line.scheduledAt), `${line.key} completed (recorded after incarnation ${earlier}) and started again in incarnation ${index}`).toBe(false);
    }

    // per slot: at most one start per attempt, at most one attempt under at-most-once
    const byKey = new Map<string, RunLine[]>();
    for (const line of starts) byKey.set(line.key, [...(byKey.get(line.key) ?? []), line]);
    for (const [key, runs] of byKey) {
      expect(runs.length, `${key} started ${runs.length} times`).toBeLessThanOrEqual(delivery === "at-most-once" ? 1 : 2);
      expect(new Set(runs.map((run) => run.attempt)).size, `${key}: an attempt ran twice`).toBe(runs.length);
      // a slot that ended (end line) runs again only as the rerun of an end the store had not recorded yet
      const ended = lines.find((line) => line.key === key && line.phase === "end" && line.attempt === 1);
      if (ended !== undefined && runs.length > 1) {
        const index = incarnationOf.get(ended.pid) as number;
        expect(ranCovers(snapshots[index] as TriggerRecord, ended.scheduledAt), `${key} ended, its end was recorded, and it ran again`).toBe(false);
        endedNotRecorded++;
      }
    }

    // every run cut short (started, no end, host killed) was handled by the incarnation that loaded it
    for (let index = 0; index < KILLS; index++) {
      const snapshot = snapshots[index] as TriggerRecord;
      // at-least-once (no window): a run starts only once the store has its start, so one cut short is in the file as running;
      // at-most-once (no window): its start is written in the same turn, so one cut short is in the file as running or, killed
      // before that write, after the file's lastSlot (missed: counted downtime, and never run again, checked above)
      const pid = (incarnations[index] as Host).pid;
      for (const line of starts.filter((start) => start.pid === pid)) {
        if (lines.some((end) => end.pid === pid && end.phase === "end" && end.key === line.key)) continue;
        const recorded = snapshot.running.some((run) => run.slot === line.scheduledAt && run.attempt === line.attempt);
        if (delivery === "at-least-once" || recorded) {
          expect(snapshot.running.map((run) => [run.slot, run.attempt]), `${line.key} (attempt ${line.attempt}) was cut short and the store did not have it as started`).toContainEqual([line.scheduledAt, line.attempt]);
        } else {
          expect(snapshot.lastSlot ?? -Infinity, `${line.key} was cut short, is not in the file as running, and is not after its lastSlot`).toBeLessThan(line.scheduledAt);
        }
      }
      const next = incarnations[index + 1] as Host;
      for (const run of snapshot.running) {
        cutShort++;
        const rerun = starts.find((line) => line.pid === next.pid && line.scheduledAt === run.slot);
        const later = snapshots[index + 1] as TriggerRecord;
        const stillOpen = later.running.find((open) => open.slot === run.slot);
        if (delivery === "at-most-once" || run.attempt === 2) {
          // counted interrupted and never run again (a second interruption of at-least-once too)
          expect(rerun, `slot ${run.slot} cut short ran again`).toBeUndefined();
          if (index + 1 === KILLS) expect(stillOpen, `slot ${run.slot} is still open after the graceful run`).toBeUndefined();
        } else if (rerun === undefined) {
          // the next incarnation was killed before it could rerun it: still open, for the one after
          expect(index + 1, `slot ${run.slot} cut short was not rerun by the last incarnation`).toBeLessThan(KILLS);
          expect(stillOpen, `slot ${run.slot} cut short was neither rerun nor left open`).toBeDefined();
        } else {
          expect(rerun.attempt).toBe(2);
        }
      }
      // what each incarnation counted at start matches what it loaded
      const started = startedOf[index + 1];
      if (started === undefined) continue;
      const firsts = snapshot.running.filter((run) => run.attempt === 1).length;
      const seconds = snapshot.running.length - firsts;
      const sum = (field: "retried" | "interrupted"): number => started.catchups.reduce((total, event) => total + event[field], 0);
      expect(sum("retried")).toBe(delivery === "at-least-once" ? firsts : 0);
      expect(sum("interrupted")).toBe(delivery === "at-least-once" ? seconds : snapshot.running.length);
      expect(started.skipped["worker"]?.["interrupted"]).toBe(sum("interrupted"));
    }

    // the kills did land inside runs, and the slots went on across the incarnations
    expect(cutShort, "no kill landed inside a run").toBeGreaterThanOrEqual(1);
    expect(new Set(starts.map((line) => line.pid)).size).toBeGreaterThanOrEqual(KILLS / 2);
    console.info(`${delivery}: ${starts.length} runs, ${cutShort} cut short by a kill, ${endedNotRecorded} ended but killed before the end was recorded (rerun)`);
  }, 60_000);
});
