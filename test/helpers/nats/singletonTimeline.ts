// Where singleton agents ran, reconstructed from the JSON lines of replica
// processes (test/fixtures/nats/singletonReplica.ts): every line carries the
// machine's clock (`at`), `start` is printed first thing in an agent's
// start() and `stop` last thing in its stop(). A replica killed with SIGKILL
// prints nothing more: what it was running ends at the kill.

/** One replica process as the timeline sees it. */
export interface ReplicaRecord {
  readonly instance: string;
  /** Its JSON lines so far, in the order printed. */
  readonly events: ReadonlyArray<Record<string, unknown>>;
  /** When it was sent SIGKILL (ms, this machine's clock); undefined while alive or when it exited on its own. */
  readonly killedAt?: number | undefined;
  /** When it was seen to exit (ms); undefined while running. */
  readonly exitedAt?: number | undefined;
}

/** One agent running on one replica from `from` to `to` (ms). */
export interface RunInterval {
  readonly agent: string;
  readonly instance: string;
  readonly from: number;
  readonly to: number;
  /** The lease token its start() saw. */
  readonly token: number | null;
  /** How it ended: its stop() ran, its process was killed, or it still runs (`to` is the end asked for). */
  readonly end: "stop" | "kill" | "open";
}

/** A stretch of the window during which an agent ran nowhere. */
export interface Gap {
  readonly agent: string;
  readonly from: number;
  readonly to: number;
  /** It began when a process running the agent was killed (`from` is the kill time). */
  readonly afterKill: boolean;
}

const at = (event: Record<string, unknown>): number => event["at"] as number;

/** Every run of every agent on every replica; a run still going ends at `now` (or at the kill / exit of its process). */
export function runIntervals(replicas: Iterable<ReplicaRecord>, now: number): RunInterval[] {
  const out: RunInterval[] = [];
  for (const replica of replicas) {
    const cut = replica.killedAt ?? replica.exitedAt ?? now;
    const open = new Map<string, { from: number; token: number | null }>();
    for (const event of replica.events) {
      const agent = event["agent"] as string;
      if (event["event"] === "start") {
        // a line stamped after the kill was sent cannot be (the write is synchronous); dropped to be safe
        if (replica.killedAt === undefined || at(event) < replica.killedAt) open.set(agent, { from: at(event), token: (event["token"] as number | null) ?? null });
      } else if (event["event"] === "stop") {
        const run = open.get(agent);
        if (run === undefined) continue;
        open.delete(agent);
        out.push({ agent, instance: replica.instance, from: run.from, to: Math.min(at(event), cut), token: run.token, end: "stop" });
      }
    }
    for (const [agent, run] of open) out.push({ agent, instance: replica.instance, from: run.from, to: Math.max(run.from, cut), token: run.token, end: replica.killedAt !== undefined ? "kill" : "open" });
  }
  return out.sort((x, y) => x.from - y.from);
}

/** The agents each live replica runs now (from its last start / stop line per agent). */
export function runningNow(replicas: Iterable<ReplicaRecord>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const replica of replicas) {
    if (replica.killedAt !== undefined || replica.exitedAt !== undefined) continue;
    const state = new Map<string, boolean>();
    for (const event of replica.events) {
      if (event["event"] === "start") state.set(event["agent"] as string, true);
      else if (event["event"] === "stop") state.set(event["agent"] as string, false);
    }
    for (const [agent, running] of state) if (running) out.set(agent, [...(out.get(agent) ?? []), replica.instance]);
  }
  return out;
}

/** True when each of `agents` runs on exactly one live replica now. */
export function eachOnExactlyOne(replicas: Iterable<ReplicaRecord>, agents: readonly string[]): boolean {
  const running = runningNow(replicas);
  return agents.every((agent) => running.get(agent)?.length === 1);
}

/** Pairs of runs of the same agent that overlap in time (on two replicas: never on one). */
export function overlaps(intervals: readonly RunInterval[]): Array<[RunInterval, RunInterval]> {
  const out: Array<[RunInterval, RunInterval]> = [];
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const x = intervals[i] as RunInterval;
      const y = intervals[j] as RunInterval;
      if (x.agent === y.agent && x.from < y.to && y.from < x.to) out.push([x, y]);
    }
  }
  return out;
}

/** The stretches of `[from, to]` during which an agent of `agents` ran nowhere. */
export function gaps(intervals: readonly RunInterval[], agents: readonly string[], from: number, to: number): Gap[] {
  const out: Gap[] = [];
  for (const agent of agents) {
    const runs = intervals.filter((run) => run.agent === agent && run.to > from && run.from < to).sort((x, y) => x.from - y.from);
    let covered = from;
    let lastEnd: RunInterval | undefined;
    for (const run of runs) {
      if (run.from > covered) out.push({ agent, from: covered, to: run.from, afterKill: lastEnd?.end === "kill" && lastEnd.to === covered });
      if (run.to > covered) {
        covered = run.to;
        lastEnd = run;
      }
    }
    if (covered < to) out.push({ agent, from: covered, to, afterKill: lastEnd?.end === "kill" && lastEnd.to === covered });
  }
  return out;
}

/** What sampling the window every `step` ms found. */
export interface Sampling {
  readonly samples: number;
  /** Samples at which an agent ran on two replicas or more. */
  readonly twice: Array<{ at: number; agent: string; instances: string[] }>;
  /** Samples at which an agent ran nowhere. */
  readonly nowhere: Array<{ at: number; agent: string }>;
}

/**
 * Sample `[from, to)` every `step` ms: on how many replicas each agent runs.
 * Runs are half-open (`[run.from, run.to)`), and a run still going ends at `to`;
 * so is the window: a sample at `to` itself would find every such run over.
 */
export function sample(intervals: readonly RunInterval[], agents: readonly string[], from: number, to: number, step = 50): Sampling {
  const twice: Sampling["twice"] = [];
  const nowhere: Sampling["nowhere"] = [];
  let samples = 0;
  for (let t = from; t < to; t += step) {
    samples++;
    for (const agent of agents) {
      const instances = intervals.filter((run) => run.agent === agent && run.from <= t && t < run.to).map((run) => run.instance);
      if (instances.length > 1) twice.push({ at: t, agent, instances });
      else if (instances.length === 0) nowhere.push({ at: t, agent });
    }
  }
  return { samples, twice, nowhere };
}
