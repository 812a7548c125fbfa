import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** A nats-server started by a test on a loopback port (with JetStream unless asked otherwise). */
export interface NatsServerProcess {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stop the server (SIGTERM, then SIGKILL after 3 s); resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
  /** Kill the server at once (SIGKILL: no goodbye to its clients, nothing flushed); resolves once it has exited. Idempotent. */
  kill(): Promise<void>;
  /** Freeze the server (SIGSTOP): connections stay open, but it reads and answers nothing until {@link NatsServerProcess.resume}. */
  pause(): void;
  /** Let a paused server run again (SIGCONT). */
  resume(): void;
  /** Start it again on the same port and store directory (after {@link NatsServerProcess.stop}). */
  restart(): Promise<void>;
  /** Stop it and remove its store directory. */
  dispose(): Promise<void>;
}

/**
 * Wait (synchronously, at most 2 s) until process `pid` is stopped by a signal, as `/proc/<pid>/stat`
 * says (state `T`): `kill()` returns before the signal has taken effect, and a request sent in between
 * could still be answered. Without /proc (not Linux) it returns at once.
 */
function waitStopped(pid: number | undefined): void {
  if (pid === undefined) return;
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return;
    }
    // the state follows the command name in parentheses
    if (/\) [Tt] /.test(stat)) return;
  }
}

/** Whether the `nats-server` binary is on the PATH. */
export function hasNatsServerBinary(): boolean {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, "nats-server"), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** A free loopback TCP port (the OS picks it; a race with other processes is possible but unlikely). */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start a `nats-server` on a free loopback port, with JetStream (`-js`) on a
 * temporary store unless `jetstream` is false; waits until it accepts
 * connections (at most 10 s).
 */
export async function startNatsServer(options: { jetstream?: boolean } = {}): Promise<NatsServerProcess> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), "nats-test-"));
  let child: ChildProcess | undefined;
  let log = "";

  const launch = async (): Promise<void> => {
    log = "";
    const args = ["-a", "127.0.0.1", "-p", String(port), ...(options.jetstream === false ? [] : ["-js", "-sd", store])];
    const started = spawn("nats-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    const keep = (chunk: Buffer): void => {
      log = (log + chunk.toString()).slice(-4_000);
    };
    started.stdout?.on("data", keep);
    started.stderr?.on("data", keep);
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (started.exitCode !== null) throw new Error(`nats-server exited with code ${started.exitCode} before accepting connections:\n${log}`);
      if (Date.now() > deadline) throw new Error(`nats-server did not accept connections on port ${port} within 10 s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    running.kill("SIGCONT"); // a paused server acts on the SIGTERM only once it runs again
    const forced = setTimeout(() => running.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(forced);
  };

  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGKILL");
    await exited;
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop,
    kill,
    pause: () => {
      const running = child;
      if (running === undefined) return;
      running.kill("SIGSTOP");
      waitStopped(running.pid);
    },
    resume: () => void child?.kill("SIGCONT"),
    restart: launch,
    async dispose() {
      await stop();
      rmSync(store, { recursive: true, force: true });
    },
  };
}

/**
 * The server a test file uses: the one `NATS_URL` names (CI starts it), else
 * one started for the file. `vitest.nats.config.ts` only includes these tests
 * when one of the two is possible.
 */
export async function useNatsServer(): Promise<{ url: string; release(): Promise<void> }> {
  const fromEnv = process.env["NATS_URL"];
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, release: async () => undefined };
  if (!hasNatsServerBinary()) {
    throw new Error("No NATS server for the NATS tests: set NATS_URL to a server with JetStream, or install nats-server (apt-get install nats-server)");
  }
  const server = await startNatsServer();
  return { url: server.url, release: () => server.dispose() };
}

/** A unique token for subject prefixes and bucket names, so runs sharing a server never meet. */
export function uniqueToken(label: string): string {
  return `${label}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e9).toString(36)}`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
