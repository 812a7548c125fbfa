// The file store under kill -9: a child process applies changes in a loop and
// reports what the store acknowledged; the test kills it at random instants
// and checks after each kill that the file is whole and never went back.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { FileTriggerStore } from "../../src/state/FileTriggerStore.js";
import { decodeStateFile, type StateDocument } from "../../src/state/triggerStateFile.js";
import { mulberry32 } from "../helpers/chaosRandom.js";
import { startStoreChild, type StoreChild } from "./fixtures/storeChild.js";

const KEY = "durable:every";
const KILLS = 30;
/** Children started ahead, loading their modules while the current one runs. */
const AHEAD = 3;
const SEED = 1717;
const directory = mkdtempSync(join(tmpdir(), "store-durability-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The file, decoded; fails the test when it is not a valid trigger state file. */
function readDocument(file: string): StateDocument {
  const decoded = decodeStateFile(readFileSync(file, "utf8"));
  if (!decoded.ok) throw new Error(`the state file is not valid after a kill: ${decoded.message}`);
  return decoded.document;
}

/** Wait a real-time delay: the kill instant is the point of this test (the only place it sleeps). */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function killAt(child: StoreChild, afterAck: boolean, wait: number): Promise<void> {
  child.go();
  if (afterAck) await child.until(() => child.lastAck() > 0);
  await delay(wait);
  child.process.kill("SIGKILL");
  const { code, signal, stderr } = await child.exited;
  // a child that ended on its own failed (a refused slot, a lock it could not take)
  if (signal !== "SIGKILL") throw new Error(`the child exited with ${code} before it was killed:\n${stderr}`);
}

describe("FileTriggerStore under kill -9", () => {
  test(`${KILLS} kills at random instants: the file always parses and validates, never goes back, and holds every acknowledged slot`, async () => {
    const random = mulberry32(SEED);
    const file = join(directory, "killed", "state.json");
    let previous = { sequence: 0, lastSlot: 0 };
    let acknowledged = 0;
    let killsAfterAcks = 0;
    const queue = Array.from({ length: AHEAD }, () => startStoreChild(file));
    for (let kill = 0; kill < KILLS; kill++) {
      const child = queue.shift() as StoreChild;
      if (kill + queue.length + 1 < KILLS) queue.push(startStoreChild(file));
      // most kills land among the writes (after a first one); every fifth at any instant from the start (taking the lock, loading)
      const amongWrites = kill % 5 !== 4;
      await killAt(child, amongWrites, amongWrites ? random.int(0, 60) : random.int(0, 40));
      const ready = child.ready();
      if (ready !== undefined) expect(ready, `kill ${kill}: the child loaded lastSlot ${ready}, the file had ${previous.lastSlot}`).toBe(previous.lastSlot);
      if (!existsSync(file)) {
        expect(child.lastAck(), `kill ${kill}: slots were acknowledged and there is no file`).toBe(0);
        continue;
      }
      const document = readDocument(file);
      const record = document.records.get(KEY);
      const lastSlot = record?.lastSlot ?? 0;
      expect(document.sequence, `kill ${kill}: the sequence went back`).toBeGreaterThanOrEqual(previous.sequence);
      expect(lastSlot, `kill ${kill}: lastSlot went back`).toBeGreaterThanOrEqual(previous.lastSlot);
      expect(lastSlot, `kill ${kill}: slot ${child.lastAck()} was acknowledged and is not in the file`).toBeGreaterThanOrEqual(child.lastAck());
      if (child.lastAck() > 0) {
        expect(record?.lastRun?.slot ?? 0, `kill ${kill}: the end of the acknowledged slot is not in the file`).toBeGreaterThanOrEqual(child.lastAck());
        killsAfterAcks++;
      }
      acknowledged = Math.max(acknowledged, child.lastAck());
      previous = { sequence: document.sequence, lastSlot };
    }
    // the kills landed while the store was writing, many times
    expect(killsAfterAcks).toBeGreaterThanOrEqual(KILLS / 2);
    expect(acknowledged).toBeGreaterThan(KILLS);
  }, 120_000);

  test("the lock of a child killed with kill -9 is taken over; while the child runs, the store is refused with STORE_LOCKED naming its process", async () => {
    const file = join(directory, "lock", "state.json");
    const child = startStoreChild(file);
    child.go();
    await child.until(() => child.lastAck() > 0);
    const store = new FileTriggerStore(file);
    await expect(store.load()).rejects.toMatchObject({ code: "STORE_LOCKED", message: expect.stringContaining(`process ${child.process.pid}`) });
    child.process.kill("SIGKILL");
    await child.exited;
    const { records, problem } = await store.load();
    expect(problem).toBeUndefined();
    expect(records.get(KEY)?.lastSlot).toBeGreaterThanOrEqual(child.lastAck());
    await store.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 30_000);
});
