import { getHeapStatistics } from "node:v8";
import type { Agent } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { validateAgentConfig } from "../agent/validateAgentConfig.js";
import { isThenable } from "../check.js";
import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { loadAgentModule } from "../orchestrator/registry.js";
import { abortTick, cronTick } from "../schedule/cronTick.js";
import type { CronTick, TickMessage } from "../schedule/ScheduleSpec.js";
import type { Escalation } from "../supervisor/Escalation.js";
import { FrameBatcher } from "./FrameBatcher.js";
import { PendingCalls } from "./PendingCalls.js";
import type { FromThread, ThreadBoot, ToThread } from "./protocol.js";
import { ThreadBus } from "./ThreadBus.js";
import { ThreadContext } from "./ThreadContext.js";
import { ReportFrame } from "./ThreadSubscription.js";
import { fromWireError, toWireError } from "./wireError.js";

/** The thread's end of the port: `parentPort` in a worker, one end of a `MessageChannel` in a test. */
export interface ThreadPort {
  postMessage(value: unknown): void;
  on(event: "message", listener: (value: unknown) => void): unknown;
}

/**
 * The agent's side of `isolation: thread`: builds the agent in this thread
 * from its module and drives it as the main thread asks. Imports
 * `boot.module` (its export `boot.export`, else the default), checks it is an
 * agent class, validates `boot.config` with the class's `configSchema`,
 * builds the agent over a {@link ThreadContext} and runs `start()`, answering
 * `started` or `start-failed`. Then it runs deliveries, `onCron` (each run
 * with its own signal, aborted by `abort-run` and by `abort`),
 * `onEscalation` and `stop()`, each answered with `done`, and answers every
 * `ping` with a `pong` carrying the thread's heap in use.
 *
 * Not tied to `parentPort`: give it any port (a `MessageChannel` end in tests).
 *
 * @example
 * ```ts
 * const runtime = new ThreadRuntime(parentPort, workerData as ThreadBoot);
 * void runtime.start();
 * ```
 */
export class ThreadRuntime {
  readonly #boot: ThreadBoot;
  readonly #out: FrameBatcher<FromThread>;
  readonly #calls = new PendingCalls();
  readonly #bus: ThreadBus;
  readonly #heapUsed: () => number;
  /** The trigger runs in progress, by call number. */
  readonly #runs = new Map<number, CronTick>();
  #context: ThreadContext | undefined;
  #agent: Agent | undefined;
  /** A stop arrived before the agent was built: it is never built (as in process, where an incarnation stopped before its instance exists has no `stop()` to run). */
  #stoppedEarly = false;
  /** Set by `abort`: the incarnation is ending. */
  #abort: { readonly reason: unknown } | undefined;

  /**
   * @param port - the thread's end of the port
   * @param boot - what to build (the worker's `workerData`)
   * @param heapUsed - the heap in use, reported with each `pong` (bytes; this isolate's by default)
   */
  constructor(port: ThreadPort, boot: ThreadBoot, heapUsed: () => number = () => getHeapStatistics().used_heap_size) {
    this.#boot = boot;
    this.#heapUsed = heapUsed;
    this.#out = new FrameBatcher<FromThread>(
      (frames) => port.postMessage(frames),
      (frame, error) => this.#refused(frame, error),
    );
    this.#bus = new ThreadBus(boot.name, { send: (frame) => this.#out.send(frame), calls: this.#calls, flush: this.#out.flush });
    port.on("message", (frames) => {
      for (const frame of frames as ToThread[]) this.#receive(frame);
    });
  }

  /** Build the agent and run its `start()`; answers `started` or `start-failed` (never rejects). */
  async start(): Promise<void> {
    const { name } = this.#boot;
    try {
      const agentClass = await loadAgentModule(name, this.#boot.module, this.#boot.export, undefined);
      const { value: config } = await validateAgentConfig({ agent: name, agentClass, config: this.#boot.config });
      if (this.#stoppedEarly) return;
      const context = new ThreadContext(name, this.#bus, config, (frame) => this.#out.send(frame), this.#boot.lease);
      this.#context = context;
      const agent = new agentClass(context as AgentContext as AgentContext<never>) as Agent;
      this.#agent = agent;
      await agent.start();
      this.#out.send({ t: "started" });
    } catch (error) {
      this.#out.send({ t: "start-failed", error: toWireError(error) });
    }
  }

  #receive(frame: ToThread): void {
    switch (frame.t) {
      case "message":
        return this.#bus.deliverOne(frame);
      case "messages":
        return this.#bus.deliverMessages(frame);
      case "deliver":
        return this.#bus.deliver(frame);
      case "reply":
        if (frame.ok) return this.#calls.resolve(frame.call, frame.value);
        return this.#calls.reject(frame.call, fromWireError(frame.error));
      case "ping":
        return this.#out.send({ t: "pong", seq: frame.seq, heapUsed: this.#heapUsed() });
      case "cron":
        return this.#cron(frame.call, frame.tick);
      case "abort-run": {
        const tick = this.#runs.get(frame.call);
        if (tick !== undefined) abortTick(tick, fromWireError(frame.reason));
        return;
      }
      case "escalation":
        return this.#answer(frame.call, (agent) => agent.onEscalation(frame.event as Escalation));
      case "abort":
        return this.#aborted(fromWireError(frame.reason));
      case "stop":
        if (this.#agent === undefined) this.#stoppedEarly = true;
        return this.#answer(frame.call, (agent) => agent.stop());
    }
  }

  #cron(call: number, wire: TickMessage | Record<string, unknown>): void {
    const tick = cronTick({ ...wire, agent: this.#boot.name } as TickMessage);
    if (this.#abort !== undefined) abortTick(tick, this.#abort.reason);
    this.#runs.set(call, tick);
    this.#answer(call, (agent) => agent.onCron(tick), () => void this.#runs.delete(call));
  }

  #aborted(reason: unknown): void {
    if (this.#abort !== undefined) return;
    this.#abort = { reason };
    this.#context?.abort(reason);
    for (const tick of this.#runs.values()) abortTick(tick, reason);
  }

  /** Run `work` on the agent and answer `call` with how it settled. */
  #answer(call: number, work: (agent: Agent) => unknown, settled?: () => void): void {
    const agent = this.#agent;
    if (agent === undefined) {
      this.#out.send({ t: "done", call, ok: true });
      return;
    }
    const ok = (): void => {
      settled?.();
      this.#out.send({ t: "done", call, ok: true });
    };
    const failed = (error: unknown): void => {
      settled?.();
      this.#out.send({ t: "done", call, ok: false, error: toWireError(error) });
    };
    let result: unknown;
    try {
      result = work(agent);
    } catch (error) {
      return failed(error);
    }
    if (isThenable(result)) Promise.resolve(result).then(ok, failed);
    else ok();
  }

  /** A frame that could not be copied to the main thread: answer what it belonged to. */
  #refused(frame: FromThread, error: unknown): void {
    const why = describeThrown(error);
    const agent = this.#boot.name;
    switch (frame.t) {
      case "publish":
      case "request":
        return this.#calls.reject(
          frame.call,
          new BusError("PAYLOAD_INVALID", `agent "${agent}" (isolation: thread): the payload ${frame.t === "publish" ? "published" : "requested"} on "${frame.topic}" cannot be copied out of its thread: ${why}`, {
            topic: frame.topic,
            cause: error,
          }),
        );
      case "done": {
        if (frame instanceof ReportFrame && Array.isArray(frame.value)) {
          // a reply checked at its handler's end, then changed: reported as that message's failure
          const refusal = new BusError("PAYLOAD_INVALID", `agent "${agent}" (isolation: thread): a handler's reply cannot be copied out of its thread: ${why}`, { cause: error });
          const [seq, , upTo] = frame.value as [number, unknown, number | undefined];
          const report = upTo === undefined ? [-Math.abs(seq), toWireError(refusal)] : [-Math.abs(seq), toWireError(refusal), upTo];
          return this.#out.send({ t: "done", call: frame.call, ok: true, value: report });
        }
        const refusal = new BusError("PAYLOAD_INVALID", `agent "${agent}" (isolation: thread): a handler's reply cannot be copied out of its thread: ${why}`, { cause: error });
        return this.#out.send({ t: "done", call: frame.call, ok: false, error: toWireError(refusal) });
      }
      case "log":
        return this.#out.send({ t: "log", level: frame.level, fields: {}, message: `${frame.message ?? ""} (the entry's fields could not be copied out of the agent's thread: ${why})` });
      default:
        return;
    }
  }
}
