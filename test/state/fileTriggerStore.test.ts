import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { StoreError } from "../../src/errors/StoreError.js";
import { FileTriggerStore } from "../../src/state/FileTriggerStore.js";
import { decodeStateFile, type StateDocument } from "../../src/state/triggerStateFile.js";
import type { TriggerChange } from "../../src/state/TriggerStore.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

const START = Date.UTC(2026, 0, 5, 9, 30);
const STAMP = "2026-01-05T09-30-00-000Z";
const KEY = "report:eod";
const root = mkdtempSync(join(tmpdir(), "file-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

/** A fresh path in a directory that does not exist yet. */
function freshPath(name = "state.json"): string {
  return join(root, `case-${++count}`, name);
}

function store(path: string): FileTriggerStore {
  return new FileTriggerStore(path, { clock: new ManualClock(START) });
}

function document(path: string): StateDocument {
  const decoded = decodeStateFile(readFileSync(path, "utf8"));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.document;
}

const begin = (slot: number, key = KEY): TriggerChange => ({ type: "begin", key, slot, attempt: 1, mode: "next", at: slot, instance: "a" });
const end = (slot: number): TriggerChange => ({ type: "end", key: KEY, slot, attempt: 1, outcome: "ok", at: slot + 1 });

describe("new FileTriggerStore(path, options)", () => {
  test("describes itself as file <path> and is not shared", () => {
    const file = new FileTriggerStore("./var/state.json");
    expect(file.description).toBe("file ./var/state.json");
    expect(file.shared).toBe(false);
    expect(file.path).toBe("./var/state.json");
  });

  test.each([[""], ["  "], [42], [undefined]])("refuses path %j with INVALID_OPTION naming `path`", (path) => {
    const make = () => new FileTriggerStore(path as string);
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(expect.objectContaining({ code: "INVALID_OPTION", path: "path", message: expect.stringContaining("`path`") }));
  });

  test("refuses a clock that is not a Clock and an unknown option, naming them", () => {
    expect(() => new FileTriggerStore("s.json", { clock: {} as ManualClock })).toThrow(/FileTriggerStore: expected `clock` to be a Clock/);
    expect(() => new FileTriggerStore("s.json", { clok: 1 } as object)).toThrow(/unknown option `clok`.*clock/);
  });
});

describe("FileTriggerStore: writing", () => {
  test("a missing file loads empty; the first write creates it (and its directory) in the documented format", async () => {
    const path = freshPath();
    const file = store(path);
    expect(await file.load()).toEqual({ records: new Map() });
    expect(await file.apply([begin(10), end(10)])).toEqual([true, true]);
    const written = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(written).toEqual({
      format: "agent-orchestrator/trigger-state",
      version: 1,
      sequence: 1,
      savedAt: new Date(START).toISOString(),
      records: { [KEY]: { lastSlot: 10, lastRun: { slot: 10, outcome: "ok", attempt: 1, endedAt: 11, startedAt: 10 }, running: [], ran: [[10, 10]] } },
    });
    await file.close();
  });

  test("many applies in one turn cost one write; each later write adds 1 to the sequence", async () => {
    const path = freshPath();
    const file = store(path);
    await file.load();
    const applies = Array.from({ length: 100 }, (_, i) => file.apply([begin(10, `agent:${i}`)]));
    expect(await Promise.all(applies)).toEqual(Array.from({ length: 100 }, () => [true]));
    expect(document(path).sequence).toBe(1);
    expect(document(path).records.size).toBe(100);
    expect(await file.apply([begin(20, "agent:0")])).toEqual([true]);
    expect(await file.apply([begin(30, "agent:0")])).toEqual([true]);
    expect(document(path).sequence).toBe(3);
    await file.close();
  });

  test("an apply refused entirely still resolves in order, without a write", async () => {
    const path = freshPath();
    const file = store(path);
    await file.load();
    const order: string[] = [];
    const first = file.apply([begin(10)]).then((r) => (order.push("first"), r));
    const second = file.apply([begin(10)]).then((r) => (order.push("second"), r));
    expect([await first, await second]).toEqual([[true], [false]]);
    expect(order).toEqual(["first", "second"]);
    expect(await file.apply([begin(5)])).toEqual([false]);
    expect(document(path).sequence).toBe(1);
    await file.close();
  });

  test("apply before load() opens the store first and keeps the order of the applies", async () => {
    const path = freshPath();
    const first = store(path);
    await first.load();
    await first.apply([begin(10)]);
    await first.close();
    const file = store(path);
    const results = await Promise.all([file.apply([end(10)]), file.apply([end(10), begin(20)])]);
    expect(results).toEqual([[true], [false, true]]);
    expect(document(path).records.get(KEY)?.lastSlot).toBe(20);
    await file.close();
  });

  test("close() waits for the pending write and releases the lock; after it apply and get reject with STORE_CLOSED; load() opens it again", async () => {
    const path = freshPath();
    const file = store(path);
    await file.load();
    const applied = file.apply([begin(10)]);
    await Promise.all([file.close(), file.close()]);
    expect(await applied).toEqual([true]);
    expect(document(path).records.get(KEY)?.lastSlot).toBe(10);
    expect(existsSync(`${path}.lock`)).toBe(false);
    await expect(file.apply([end(10)])).rejects.toMatchObject({ name: "StoreError", code: "STORE_CLOSED", store: `file ${path}` });
    await expect(file.get(KEY)).rejects.toMatchObject({ code: "STORE_CLOSED" });
    const { records } = await file.load();
    expect(records.get(KEY)?.lastSlot).toBe(10);
    await file.close();
  });
});

const VALID = { format: "agent-orchestrator/trigger-state", version: 1, sequence: 4, savedAt: "2026-01-05T09:00:00.000Z" };
const RECORD = { lastSlot: 10, running: [{ slot: 10, attempt: 1, startedAt: 10, instance: "a" }], ran: [] };

describe("FileTriggerStore: a file that is not valid", () => {
  test.each([
    ["truncated JSON", `{"format":"agent-orchestrator/trigger-state","version":1,"seq`, "not JSON"],
    ["an empty file", "", "not JSON"],
    ["another format", JSON.stringify({ ...VALID, format: "something-else", records: {} }), "format"],
    ["a version that is not a number", JSON.stringify({ ...VALID, version: "1", records: {} }), "version"],
    ["a negative sequence", JSON.stringify({ ...VALID, sequence: -1, records: {} }), "sequence"],
    ["records that are an array", JSON.stringify({ ...VALID, records: [] }), "records"],
    ["a slot that is a string", JSON.stringify({ ...VALID, records: { [KEY]: { ...RECORD, lastSlot: "10" } } }), `records["${KEY}"].lastSlot`],
    ["an attempt of 0", JSON.stringify({ ...VALID, records: { [KEY]: { ...RECORD, running: [{ ...RECORD.running[0], attempt: 0 }] } } }), `records["${KEY}"].running[0].attempt`],
    ["an unknown outcome", JSON.stringify({ ...VALID, records: { [KEY]: { ...RECORD, lastRun: { slot: 1, outcome: "maybe", attempt: 1, endedAt: 2 } } } }), `records["${KEY}"].lastRun.outcome`],
    ["a range backwards", JSON.stringify({ ...VALID, records: { [KEY]: { ...RECORD, ran: [[5, 3]] } } }), `records["${KEY}"].ran[0]`],
    ["running that is not an array", JSON.stringify({ ...VALID, records: { [KEY]: { ...RECORD, running: {} } } }), `records["${KEY}"].running`],
    ["paused that is not a boolean", JSON.stringify({ ...VALID, records: { [KEY]: { ...RECORD, paused: "yes" } } }), `records["${KEY}"].paused`],
  ])("%s: is moved aside with a timestamp, reported as STORE_CORRUPT naming what was wrong, and the store starts empty", async (_what, text, where) => {
    const path = freshPath();
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
    const file = store(path);
    const { records, problem } = await file.load();
    const movedTo = `${path}.corrupt-${STAMP}`;
    expect(records.size).toBe(0);
    expect(problem).toEqual({ code: "STORE_CORRUPT", message: expect.stringContaining(where), movedTo });
    expect(problem?.message).toContain(path);
    expect(readFileSync(movedTo, "utf8")).toBe(text);
    expect(existsSync(path)).toBe(false);
    // told once: a second load of the open store does not repeat it
    expect((await file.load()).problem).toBeUndefined();
    await file.apply([begin(20)]);
    expect(document(path).records.get(KEY)?.lastSlot).toBe(20);
    expect(readFileSync(movedTo, "utf8")).toBe(text);
    await file.close();
  });

  test("a second corrupt file moved aside in the same millisecond gets a numbered name; the first is kept", async () => {
    const path = freshPath();
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(`${path}.corrupt-${STAMP}`, "the first");
    writeFileSync(path, "the second");
    const file = store(path);
    expect((await file.load()).problem?.movedTo).toBe(`${path}.corrupt-${STAMP}-2`);
    expect(readFileSync(`${path}.corrupt-${STAMP}`, "utf8")).toBe("the first");
    expect(readFileSync(`${path}.corrupt-${STAMP}-2`, "utf8")).toBe("the second");
    await file.close();
  });

  test("a file of a newer format version is left as it is: load() rejects with STORE_VERSION_UNSUPPORTED", async () => {
    const path = freshPath();
    mkdirSync(join(path, ".."), { recursive: true });
    const text = JSON.stringify({ ...VALID, version: 2, records: {} });
    writeFileSync(path, text);
    await expect(store(path).load()).rejects.toMatchObject({ code: "STORE_VERSION_UNSUPPORTED", message: expect.stringContaining("version 2") });
    expect(readFileSync(path, "utf8")).toBe(text);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("a corrupt file that cannot be moved aside makes load() reject with STORE_READ_FAILED and is left as it is", async () => {
    // the name with `.corrupt-<timestamp>` appended is longer than a file name may be (255 bytes)
    const path = freshPath(`${"s".repeat(219)}.json`);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, "{");
    const error = await store(path).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: "STORE_READ_FAILED", message: expect.stringMatching(/not JSON.*could not be moved aside.*left as it is/) });
    expect(readFileSync(path, "utf8")).toBe("{");
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

const canDenyReading = process.getuid?.() !== 0 && process.platform !== "win32";

describe("FileTriggerStore: a file that cannot be read", () => {
  test("a directory where the file should be: load() rejects with STORE_READ_FAILED naming the path, and leaves it", async () => {
    const path = freshPath();
    mkdirSync(join(path, "inside"), { recursive: true });
    await expect(store(path).load()).rejects.toMatchObject({ code: "STORE_READ_FAILED", message: expect.stringContaining(`could not read the trigger state file ${path}`) });
    expect(existsSync(join(path, "inside"))).toBe(true);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test(`a file without read permission (${canDenyReading ? "chmod 000" : "running as root: a directory at the path instead"}): load() rejects with STORE_READ_FAILED and never overwrites it`, async () => {
    const path = freshPath();
    mkdirSync(join(path, ".."), { recursive: true });
    if (canDenyReading) {
      writeFileSync(path, JSON.stringify({ ...VALID, records: { [KEY]: RECORD } }));
      chmodSync(path, 0o000);
    } else {
      mkdirSync(path);
    }
    const file = store(path);
    await expect(file.load()).rejects.toMatchObject({ code: "STORE_READ_FAILED" });
    await expect(file.apply([begin(20)])).rejects.toMatchObject({ code: "STORE_READ_FAILED" });
    if (canDenyReading) {
      chmodSync(path, 0o600);
      expect(document(path).records.get(KEY)).toEqual(RECORD);
    }
    await file.close();
  });
});

describe("FileTriggerStore: the lock", () => {
  test("a second store on the same file in this process is refused with STORE_LOCKED until the first closes", async () => {
    const path = freshPath();
    const first = store(path);
    await first.load();
    await first.apply([begin(10)]);
    const second = store(path);
    await expect(second.load()).rejects.toMatchObject({ code: "STORE_LOCKED", message: expect.stringContaining("another FileTriggerStore in this process") });
    await first.close();
    expect((await second.load()).records.get(KEY)?.lastSlot).toBe(10);
    await second.close();
  });

  const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid;
  test.each([
    ["a process of this host that exited", () => ({ pid: deadPid(), hostname: hostname(), processStart: 1, since: 1, token: "old" })],
    ["an earlier process with this process's pid", () => ({ pid: process.pid, hostname: hostname(), processStart: 1, since: 1, token: "old" })],
    ["text that is not a lock", () => "garbage"],
  ])("a lock left by %s is stale: it is taken over", async (_what, holder) => {
    const path = freshPath();
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(`${path}.lock`, JSON.stringify(holder()));
    const file = store(path);
    await file.load();
    expect(JSON.parse(readFileSync(`${path}.lock`, "utf8"))).toMatchObject({ pid: process.pid, hostname: hostname() });
    await file.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("a lock of another host is not taken over: STORE_LOCKED names the process and the host", async () => {
    const path = freshPath();
    mkdirSync(join(path, ".."), { recursive: true });
    const holder = { pid: 4242, hostname: "elsewhere.example", processStart: 1, since: START, token: "theirs" };
    writeFileSync(`${path}.lock`, JSON.stringify(holder));
    const error = await store(path).load().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "STORE_LOCKED", message: expect.stringContaining("process 4242 on host elsewhere.example") });
    expect(JSON.parse(readFileSync(`${path}.lock`, "utf8"))).toEqual(holder);
  });
});

describe("FileTriggerStore: a write that fails", () => {
  test("rejects its applies and those decided after it with STORE_WRITE_FAILED, undoes them in memory, and the next write works", async () => {
    const path = freshPath();
    const file = store(path);
    await file.load();
    await file.apply([begin(10)]);
    // a directory where the file is renamed to: the write fails at the rename
    rmSync(path);
    mkdirSync(join(path, "blocker"), { recursive: true });
    const failing = file.apply([end(10)]);
    await new Promise<void>((resolve) => setImmediate(resolve));   // that write has started
    const onTop = file.apply([begin(20)]);
    await expect(failing).rejects.toMatchObject({ code: "STORE_WRITE_FAILED", message: expect.stringContaining(path) });
    await expect(onTop).rejects.toBeInstanceOf(StoreError);
    expect(await file.get(KEY)).toEqual({ lastSlot: 10, running: [{ slot: 10, attempt: 1, startedAt: 10, instance: "a" }], ran: [] });
    rmSync(path, { recursive: true });
    expect(await file.apply([end(10), begin(20)])).toEqual([true, true]);
    expect(document(path).records.get(KEY)).toMatchObject({ lastSlot: 20, lastRun: { slot: 10 } });
    expect(document(path).sequence).toBe(2);
    await file.close();
  });
});
