import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** A child process that prints one JSON object per line on stdout. */
export interface JsonLineProcess {
  readonly child: ChildProcess;
  /** Every line printed so far, parsed. */
  readonly events: Array<Record<string, unknown>>;
  /** Resolves with the exit code once the process has exited and its output is read. */
  readonly exited: Promise<number | null>;
  /** Everything it wrote on stderr so far (the last 8 KB). */
  stderr(): string;
  /** Resolves with the first event matching `predicate` (past or future); rejects after `ms` or when the process exits first. */
  waitFor(predicate: (event: Record<string, unknown>) => boolean, ms: number, what: string): Promise<Record<string, unknown>>;
}

/** Run `node --import tsx <script>` with `env` added to this process's environment. */
export function spawnTsx(script: string, env: Record<string, string>): JsonLineProcess {
  const child = spawn(process.execPath, ["--import", "tsx", script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8_192);
  });
  const events: Array<Record<string, unknown>> = [];
  const waiters = new Set<{ predicate: (event: Record<string, unknown>) => boolean; resolve: (event: Record<string, unknown>) => void }>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      event = { event: "output", line };
    }
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(event)) {
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    child,
    events,
    exited,
    stderr: () => stderr,
    waitFor(predicate, ms, what) {
      const seen = events.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (event: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(event);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out after ${ms} ms waiting for ${what}; stderr:\n${stderr}`));
        }, ms);
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`the process exited with ${code} before ${what}; stderr:\n${stderr}`));
        });
      });
    },
  };
}

/** `promise`, or a rejection naming `what` after `ms` of real time. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Poll `predicate` every 20 ms until it holds; rejects naming `what` after `ms`. */
export async function eventually(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
