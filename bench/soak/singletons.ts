import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { hasNatsServerBinary, startNatsServer, uniqueToken } from "../../test/helpers/nats/natsServer.js";
import { eachOnExactlyOne, gaps, overlaps, runIntervals, runningNow, sample } from "../../test/helpers/nats/singletonTimeline.js";
import type { ReplicaRecord } from "../../test/helpers/nats/singletonTimeline.js";

const REPLICA = fileURLToPath(new URL("./singletonReplica.mjs", import.meta.url));
export const SINGLETON_AGENTS = ["s1", "s2", "s3", "s4", "s5"];
export const SINGLETON_TTL_MS = 1_000;
/** Sampling step of the invariant (ms). */
export const SAMPLE_MS = 50;
/** The longest a singleton may run nowhere after its holder died: TTL + one renewal interval (TTL/3), plus 50 ms for the agent's start. */
export const TAKEOVER_BOUND_MS = SINGLETON_TTL_MS + Math.floor(SINGLETON_TTL_MS / 3) + 50;

/** What the singleton phase found. */
export type SingletonSoakResult =
  | { readonly skipped: string }
  | {
      readonly skipped?: undefined;
      /** Where the server came from. */
      readonly server: string;
      readonly seconds: number;
      readonly kills: number;
      readonly samples: number;
      /** Samples at which a singleton ran on two replicas or more. */
      readonly twice: number;
      /** Pairs of runs of one singleton that overlapped in time. */
      readonly overlaps: number;
      /** How long each singleton taken down by a kill ran nowhere (ms, from the kill). */
      readonly takeovers: number[];
      /** The longest stretch any singleton ran nowhere (ms), after a kill or not. */
      readonly longestGap: number;
      /** Every singleton ran on exactly one replica at the end. */
      readonly settledAtEnd: boolean;
      /** Something that went wrong on the way (a replica not ready in time, ...). */
      readonly errors: string[];
    };

class Replica implements ReplicaRecord {
  readonly child: ChildProcess;
  readonly events: Array<Record<string, unknown>> = [];
  readonly exited: Promise<void>;
  killedAt: number | undefined;
  exitedAt: number | undefined;

  constructor(
    readonly instance: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [REPLICA], { env: { ...process.env, ...env, INSTANCE: instance }, stdio: ["ignore", "pipe", "inherit"] });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        this.events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not ours
      }
    });
    this.exited = new Promise((resolve) =>
      this.child.once("close", () => {
        this.exitedAt ??= Date.now();
        resolve();
      }),
    );
  }

  get alive(): boolean {
    return this.killedAt === undefined && this.exitedAt === undefined;
  }

  get ready(): boolean {
    return this.alive && this.events.some((event) => event["event"] === "ready");
  }
}

async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Three replica processes of the built package, five singletons, lease TTL
 * 1 s, on the server NATS_URL names or on a nats-server started here; for
 * `seconds`, a random replica running a singleton is killed (SIGKILL) every
 * 0.6–2 s once all three are ready, and one is started in its place under a new name. Afterwards,
 * where each singleton ran is reconstructed from the replicas' lines and
 * sampled every 50 ms: never on two replicas, never nowhere for longer than
 * {@link TAKEOVER_BOUND_MS}. Skipped (with the reason) when there is no server.
 */
export async function singletonSoak(seconds: number): Promise<SingletonSoakResult> {
  let url = process.env["NATS_URL"] ?? "";
  let server: string;
  let stopServer: () => Promise<void> = async () => undefined;
  if (url !== "") server = `NATS_URL (${url})`;
  else if (hasNatsServerBinary()) {
    const started = await startNatsServer();
    url = started.url;
    stopServer = () => started.dispose();
    server = `nats-server -js started on port ${started.port} with a temporary store`;
  } else return { skipped: "no NATS_URL and no nats-server binary on the PATH" };

  const bucket = uniqueToken("soak_leases");
  const replicas: Replica[] = [];
  let next = 0;
  const spawnReplica = (): void => void replicas.push(new Replica(`replica-${++next}`, { NATS_URL: url, LEASE_BUCKET: bucket, LEASE_TTL: `${SINGLETON_TTL_MS}ms` }));
  const live = (): Replica[] => replicas.filter((replica) => replica.alive);
  const errors: string[] = [];
  let kills = 0;
  let settledAtEnd = false;
  let from = Date.now();
  let to = from;
  try {
    for (let i = 0; i < 3; i++) spawnReplica();
    await until(() => replicas.every((replica) => replica.ready), 30_000, "three replicas ready");
    await until(() => eachOnExactlyOne(replicas, SINGLETON_AGENTS), 10_000, "each singleton running on one replica");
    from = Date.now();
    const end = from + seconds * 1_000;
    while (Date.now() < end) {
      await until(() => live().filter((replica) => replica.ready).length === 3, 30_000, "three replicas ready");
      await sleep(600 + Math.random() * 1_400);
      // a replica running something (a newcomer runs nothing until the balance rule hands it a lease)
      const holders = live().filter((replica) => runningNow([replica]).size > 0);
      const candidates = holders.length > 0 ? holders : live();
      const victim = candidates[Math.floor(Math.random() * candidates.length)] as Replica;
      victim.child.kill("SIGKILL");
      victim.killedAt = Date.now();
      kills++;
      await victim.exited;
      spawnReplica();
    }
    await until(() => eachOnExactlyOne(replicas, SINGLETON_AGENTS), TAKEOVER_BOUND_MS + 10_000, "each singleton running on one replica after the last kill")
      .then(() => void (settledAtEnd = true))
      .catch((error: unknown) => void errors.push(`${String(error)}; running: ${JSON.stringify(Object.fromEntries(runningNow(replicas)))}`));
    to = Date.now();
  } catch (error) {
    errors.push(String(error));
    to = Date.now();
  } finally {
    for (const replica of live()) replica.child.kill("SIGTERM");
    const forced = setTimeout(() => {
      for (const replica of replicas) replica.child.kill("SIGKILL");
    }, 10_000);
    await Promise.all(replicas.map((replica) => replica.exited));
    clearTimeout(forced);
    await removeBuckets(url, [bucket, `${bucket}_slots`]).catch(() => undefined);
    await stopServer();
  }

  const intervals = runIntervals(replicas, to);
  const sampling = sample(intervals, SINGLETON_AGENTS, from, to, SAMPLE_MS);
  const holes = gaps(intervals, SINGLETON_AGENTS, from, to);
  return {
    server,
    seconds: (to - from) / 1_000,
    kills,
    samples: sampling.samples,
    twice: sampling.twice.length,
    overlaps: overlaps(intervals).length,
    takeovers: holes.filter((gap) => gap.afterKill).map((gap) => gap.to - gap.from),
    longestGap: Math.max(0, ...holes.map((gap) => gap.to - gap.from)),
    settledAtEnd,
    errors,
  };
}

async function removeBuckets(url: string, buckets: string[]): Promise<void> {
  const connection = await connect({ servers: url });
  try {
    const manager = await jetstreamManager(connection);
    for (const bucket of buckets) await manager.streams.delete(`KV_${bucket}`).catch(() => false);
  } finally {
    await connection.close();
  }
}
