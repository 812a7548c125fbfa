// The parent's side of test/fixtures/process/durableHost.ts: start a host process, read what it
// prints, read the run log it appends to, and wait for conditions on either (never for a fixed time).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { HostSpec } from "../fixtures/process/durableHost.js";

export type { HostSpec };

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = "test/fixtures/process/durableHost.ts";

/** One line of the run log: a run began (`start`) or `onCron` is about to return (`end`). */
export interface RunLine {
  readonly pid: number;
  readonly instance: string;
  readonly agent: string;
  readonly trigger: string;
  readonly key: string;
  readonly scheduledAt: number;
  readonly catchup: boolean;
  readonly attempt: number;
  readonly phase: "start" | "end";
  readonly held?: boolean;
  /** The host killed itself right after writing this line. */
  readonly dies?: "start" | "end";
}

/** Skipped counts by agent and reason, as the host's /metrics showed them. */
export type SkippedCounts = Record<string, Record<string, number>>;

/** A `trigger:catchup` event the host saw. */
export interface CatchupEvent {
  readonly agent: string;
  readonly trigger: string;
  readonly run: number;
  readonly retried: number;
  readonly downtime: number;
  readonly interrupted: number;
}

/** What a host prints once started. */
export interface StartedEvent {
  readonly event: "started";
  readonly pid: number;
  readonly offset: number;
  /** The shifted clock just before and just after `start()`: the triggers were armed in between. */
  readonly before: number;
  readonly after: number;
  readonly skipped: SkippedCounts;
  readonly catchups: CatchupEvent[];
}

/** What a host prints once shut down by SIGTERM. */
export interface StoppedEvent {
  readonly event: "stopped";
  readonly skipped: SkippedCounts;
  readonly catchups: CatchupEvent[];
}

/** A running host process. */
export interface Host {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Every JSON line it printed so far. */
  readonly events: Array<Record<string, unknown>>;
  /** Resolves with the first event `predicate` accepts (past or future); rejects after `ms`, or when the host exits first. */
  waitFor(predicate: (event: Record<string, unknown>) => boolean, ms: number, what: string): Promise<Record<string, unknown>>;
  /** Its `started` line. */
  started(ms?: number): Promise<StartedEvent>;
  /** With `spec.go`: once it printed `loaded`, start it with the clock at `offset`. */
  go(offset: number, ms?: number): Promise<void>;
  /** SIGTERM, then its `stopped` line; fails unless it exits with 0. */
  stop(ms?: number): Promise<StoppedEvent>;
  /** SIGKILL; resolves once it is gone. */
  kill(): Promise<void>;
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last 8 KB of its stderr. */
  stderr(): string;
}

/** Start `durableHost.ts` with `spec`. */
export function startHost(spec: HostSpec): Host {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, JSON.stringify(spec)], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-8_192)));
  // a host that never reads stdin (no `go`) may be gone when we write: not an error of the test
  child.stdin?.on("error", () => undefined);
  const events: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      events.push({ event: "output", line });
    }
    for (const listener of [...listeners]) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => {
      for (const listener of [...listeners]) listener();
      resolve({ code, signal });
    }),
  );
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const waitFor: Host["waitFor"] = (predicate, ms, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what} (pid ${child.pid}); its output:\n${events.map((event) => JSON.stringify(event)).join("\n")}\nstderr:\n${stderr}`));
      }, ms);
      function check(): void {
        const found = events.find(predicate);
        if (found !== undefined || gone()) {
          listeners.delete(check);
          clearTimeout(timer);
          if (found !== undefined) resolve(found);
          else reject(new Error(`the host exited (${child.exitCode ?? child.signalCode}) before ${what}; its output:\n${events.map((event) => JSON.stringify(event)).join("\n")}\nstderr:\n${stderr}`));
        }
      }
      listeners.add(check);
      check();
    });
  return {
    process: child,
    pid: child.pid as number,
    events,
    waitFor,
    exited,
    stderr: () => stderr,
    started: async (ms = 20_000) => (await waitFor((event) => event["event"] === "started", ms, "the host to start")) as unknown as StartedEvent,
    async go(offset, ms = 20_000) {
      await waitFor((event) => event["event"] === "loaded", ms, "the host to load");
      child.stdin?.write(`go ${offset}\n`);
    },
    async stop(ms = 15_000) {
      child.kill("SIGTERM");
      const stopped = (await waitFor((event) => event["event"] === "stopped", ms, "the host to shut down")) as unknown as StoppedEvent;
      const { code } = await exited;
      if (code !== 0) throw new Error(`the host exited with ${code} after its shutdown; stderr:\n${stderr}`);
      return stopped;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** The run log's lines so far (none when the file does not exist yet). */
export function readRuns(log: string): RunLine[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as RunLine);
}

/** Poll the run log every 20 ms until `predicate(lines)` holds; resolves with the lines then; rejects naming `what` after `ms`. */
export async function untilRuns(log: string, predicate: (lines: RunLine[]) => boolean, ms: number, what: string, host?: Host): Promise<RunLine[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = readRuns(log);
    if (predicate(lines)) return lines;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}; the log:\n${lines.map((line) => JSON.stringify(line)).join("\n")}${host === undefined ? "" : `\nhost stderr:\n${host.stderr()}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `<agent>:<trigger>:<slot ISO>`: the key of a slot's tick. */
export function slotKey(agent: string, trigger: string, slot: number): string {
  return `${agent}:${trigger}:${new Date(slot).toISOString()}`;
}
