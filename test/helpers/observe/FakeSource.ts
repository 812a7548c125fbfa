import type { BusStats } from "../../../src/bus/Bus.js";
import type { BusConnectionStatus, ObservedAgent, ObservedSource, OrchestratorPhase } from "../../../src/observe/index.js";
import { AgentCounters } from "../../../src/stats/AgentCounters.js";
import { HistogramData } from "../../../src/stats/HistogramData.js";
import type { AgentState, AgentStatus } from "../../../src/supervisor/AgentStatus.js";
import { ManualClock } from "../../../src/testing/ManualClock.js";
import type { HandlerResponse } from "../../../src/observe/index.js";

/** One agent of a {@link FakeSource}, mutable by the test. */
export interface FakeAgent {
  name: string;
  group: string;
  /** Its groups from the top-level one down (frozen, shared by every snapshot); `[group]` unless given. */
  path: readonly string[];
  state: AgentState;
  critical: boolean;
  lastError?: string;
  readonly counters: AgentCounters;
}

/** A hand-driven ObservedSource: the test sets phase, agents, bus and loop as it likes. */
export class FakeSource implements ObservedSource {
  currentPhase: OrchestratorPhase = "running";
  readonly list: FakeAgent[] = [];
  stats: BusStats | undefined = { published: 0, delivered: 0, dropped: 0, pending: 0, handlerErrors: 0 };
  readonly cronLateness = new HistogramData([0.01, 0.1, 1, 10]);
  readonly clock: ManualClock;
  lastTickAt: number;
  intervalMs = 1_000;
  agentsCalls = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.clock = new ManualClock(start);
    this.lastTickAt = start;
  }

  /** Add an agent (running by default) and return it for the test to mutate. */
  add(name: string, options: Partial<Omit<FakeAgent, "name" | "counters">> = {}): FakeAgent {
    const group = options.group ?? "data";
    const agent: FakeAgent = { name, group, path: Object.freeze([group]), state: "running", critical: false, ...options, counters: new AgentCounters() };
    this.list.push(agent);
    return agent;
  }

  agent(name: string): FakeAgent {
    const found = this.list.find((a) => a.name === name);
    if (found === undefined) throw new Error(`no fake agent ${name}`);
    return found;
  }

  phase(): OrchestratorPhase {
    return this.currentPhase;
  }

  agents(): ReadonlyArray<ObservedAgent> {
    this.agentsCalls++;
    return this.list.map((a) => {
      const status: AgentStatus = {
        name: a.name,
        group: a.group,
        path: a.path,
        state: a.state,
        restarts: a.counters.restarts,
        crashes: a.counters.totalCrashes,
        ...(a.lastError === undefined ? {} : { lastError: a.lastError }),
      };
      return { status, critical: a.critical, counters: a.counters };
    });
  }

  busStats(): BusStats | undefined {
    return this.stats;
  }

  loop(): { lastTickAt: number; intervalMs: number } {
    return { lastTickAt: this.lastTickAt, intervalMs: this.intervalMs };
  }
}

/** A FakeSource whose bus has a broker connection. */
export class NetworkedFakeSource extends FakeSource {
  connection: BusConnectionStatus | undefined = { connected: true, reconnects: 0, required: true };

  busConnection(): BusConnectionStatus | undefined {
    return this.connection;
  }
}

/** A recorded response: what a handler wrote to a HandlerResponse. */
export class RecordingResponse implements HandlerResponse {
  headersSent = false;
  statusCode = 0;
  headers: Record<string, string | number> = {};
  body: string | undefined;
  ended = false;
  readonly #done: Promise<void>;
  #resolve: () => void = () => undefined;

  constructor() {
    this.#done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  writeHead(statusCode: number, headers: Record<string, string | number>): this {
    this.statusCode = statusCode;
    this.headers = headers;
    this.headersSent = true;
    return this;
  }

  end(body?: string): this {
    this.body = body;
    this.ended = true;
    this.#resolve();
    return this;
  }

  /** Resolves once `end()` was called (metrics replies are asynchronous). */
  done(): Promise<void> {
    return this.#done;
  }

  header(name: string): string | number | undefined {
    const key = Object.keys(this.headers).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : this.headers[key];
  }
}

/** A request as a handler reads it. */
export function request(method = "GET", accept?: string): { method: string; headers: { accept?: string } } {
  return { method, headers: accept === undefined ? {} : { accept } };
}
