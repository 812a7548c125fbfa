import { ConfigError } from "../errors/ConfigError.js";
import { Worker } from "node:worker_threads";
import { Agent } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { CronTick } from "../schedule/ScheduleSpec.js";
import type { Escalation } from "../supervisor/Escalation.js";
import { FrameBatcher } from "./FrameBatcher.js";
import { PendingCalls } from "./PendingCalls.js";
import type { FromThread, ThreadBoot, ToThread, WireTick } from "./protocol.js";
import type { ThreadOwner } from "./ThreadOwner.js";
import type { ThreadSpec } from "./ThreadSpec.js";
import { ThreadPinger } from "./ThreadPinger.js";
import { ThreadSubscribers } from "./ThreadSubscribers.js";
import { fromWireError, fromWireFields, rebuiltError, toWireError } from "./wireError.js";

/** Where the thread's entry is: the built `threadMain.js` beside this file, or, from the sources, a boot file that loads `threadMain.ts`. */
function threadEntry(): { readonly file: URL; readonly entry: string | undefined } {
  const here = import.meta.url;
  if (here.endsWith(".ts")) return { file: new URL("./sourceBoot.mjs", here), entry: new URL("./threadMain.ts", here).href };
  return { file: new URL("./threadMain.js", here), entry: undefined };
}

/**
 * The main thread's stand-in for an agent with `isolation: thread`: one per
 * incarnation, driven by the supervisor like any agent, while the real agent
 * runs in a worker thread with the same Agent API (see `ThreadRuntime`).
 *
 * - `start()` spawns the thread (`resourceLimits.maxHeapMb` as its heap
 *   limit) and resolves once the agent's own `start()` has; it rejects with
 *   the agent's error when the module, the config or `start()` fail, or the
 *   thread dies first.
 * - The thread's subscriptions are made on this incarnation's bus view (see
 *   `ThreadSubscribers`, whose delivery window lets many messages be in
 *   flight to the thread); its publishes, requests and flushes go to the same
 *   view and are answered across.
 * - `onCron()`, `onEscalation()` and `stop()` run in the thread; the
 *   incarnation's signal and each run's signal are forwarded as aborts.
 * - The thread is pinged in real time, whatever the orchestrator's clock (see
 *   `ThreadPinger`); a ping left unanswered for `spec.pingTimeout` crashes the
 *   agent as `hung` (`AGENT_HUNG`) and its thread is terminated. A
 *   heap limit reached is an `AGENT_HEAP_LIMIT` crash, any other uncaught
 *   error a crash with that error, an unexpected exit `AGENT_THREAD_EXIT`.
 * - The thread is terminated when the incarnation is disposed (after stop,
 *   at a crash, when abandoned); every call still waiting is then rejected.
 */
export class ThreadAgent extends Agent {
  readonly #spec: ThreadSpec;
  readonly #owner: ThreadOwner;
  readonly #calls = new PendingCalls();
  readonly #out: FrameBatcher<ToThread>;
  readonly #subscribers: ThreadSubscribers;
  /** The thread's requests in flight that can be aborted, by call number. */
  readonly #requests = new Map<number, AbortController>();
  #worker: Worker | undefined;
  /** The pending `start()`, until the thread answers. */
  #starting: { readonly resolve: () => void; readonly reject: (error: unknown) => void } | undefined;
  /** Set once the thread died or was terminated: nothing more is reported. */
  #gone = false;
  #ending: Promise<void> | undefined;
  readonly #pinger: ThreadPinger;
  readonly #forwardAbort = (): void => {
    this.#out.send({ t: "abort", reason: toWireError(this.signal.reason) });
  };

  /**
   * @param context - the incarnation's context (its bus view, clock, logger, signal)
   * @param spec - where the agent's class comes from and the thread's limits
   * @param owner - the incarnation (crashes, cleanup)
   */
  constructor(context: AgentContext, spec: ThreadSpec, owner: ThreadOwner) {
    super(context);
    this.#spec = spec;
    this.#owner = owner;
    this.#out = new FrameBatcher<ToThread>(
      (frames) => this.#worker?.postMessage(frames),
      (frame, error) => this.#refused(frame, error),
    );
    this.#pinger = new ThreadPinger(
      spec.pingTimeout,
      (seq) => this.#out.send({ t: "ping", seq }),
      (silent) => this.#hung(silent),
    );
    this.#subscribers = new ThreadSubscribers(context.name, context.bus, {
      send: (frame) => this.#out.send(frame),
      calls: this.#calls,
      refused: (error) => this.#owner.crash("error", error),
    });
  }

  /** Spawn the thread and run the agent's `start()` there. */
  override start(): Promise<void> {
    const { file, entry } = threadEntry();
    const spec = this.#spec;
    // the config as written: the thread validates it with the class's schema itself
    const lease = this.lease;
    const boot: ThreadBoot = {
      name: this.name,
      module: spec.module,
      export: spec.export,
      config: spec.config,
      incarnation: this.#owner.number,
      entry,
      ...(lease === undefined ? {} : { lease: { holder: lease.holder, token: lease.token, expiresAt: lease.expiresAt } }),
    };
    let worker: Worker;
    try {
      worker = new Worker(file, {
        workerData: boot,
        ...(spec.maxHeapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: spec.maxHeapMb } }),
      });
    } catch (error) {
      // the only part of the boot that is not plain data from the configuration is a config given in code;
      // start() refuses such a config before any agent starts: this is the fallback (the clone's own text stays in the cause)
      const problem = error instanceof Error && error.name === "DataCloneError" ? "its config cannot be copied to the thread (a function, a symbol, a socket or another host object inside it)" : `its thread could not be started: ${describeThrown(error)}`;
      return Promise.reject(new ConfigError(`agent "${this.name}" (isolation: thread): ${problem}`, { path: `agents.${this.name}.config`, cause: error }));
    }
    this.#worker = worker;
    worker.on("message", this.#onMessage);
    worker.on("error", this.#onError);
    worker.on("exit", this.#onExit);
    this.#owner.own(() => this.#end());
    const signal = this.signal;
    if (signal.aborted) this.#forwardAbort();
    else signal.addEventListener("abort", this.#forwardAbort, { once: true });
    return new Promise<void>((resolve, reject) => {
      this.#starting = { resolve, reject };
    });
  }

  /**
   * Run the agent's `stop()` in its thread (the thread is terminated when the
   * incarnation is disposed). Sent as soon as the thread exists, even while
   * `start()` is pending (as in process, where `stop()` runs then too): an
   * agent whose `start()` has completed in the thread, its `started` answer
   * still on the way, gets its `stop()`.
   */
  override stop(): Promise<void> | undefined {
    if (this.#worker === undefined || this.#gone) return undefined;
    return this.#call((call) => ({ t: "stop", call })).then(noop);
  }

  /** Run the agent's `onCron(tick)` in its thread; `tick.signal`'s abort is forwarded. */
  override onCron(tick: CronTick): Promise<void> {
    const wire: Record<string, unknown> = {};
    for (const key of Object.keys(tick)) if (key !== "signal") wire[key] = (tick as unknown as Record<string, unknown>)[key];
    const fields: WireTick = { ...wire, trigger: tick.trigger, scheduledAt: tick.scheduledAt, firedAt: tick.firedAt, key: tick.key, catchup: tick.catchup, attempt: tick.attempt };
    const { call, result } = this.#calls.open();
    this.#out.send({ t: "cron", call, tick: fields });
    const signal = tick.signal;
    const onAbort = (): void => this.#out.send({ t: "abort-run", call, reason: toWireError(signal.reason) });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const forget = (): void => signal.removeEventListener("abort", onAbort);
    return result.then(forget, (error: unknown) => {
      forget();
      throw error;
    });
  }

  /** Run the agent's `onEscalation(event)` in its thread. */
  override onEscalation(event: Escalation): Promise<void> {
    return this.#call((call) => ({ t: "escalation", call, event })).then(noop);
  }

  /** Send the frame `make` builds for a new call; the promise settles with the thread's `done`. */
  #call(make: (call: number) => ToThread): Promise<unknown> {
    const { call, result } = this.#calls.open();
    this.#out.send(make(call));
    return result;
  }

  readonly #onMessage = (frames: FromThread[]): void => {
    for (const frame of frames) this.#receive(frame);
  };

  #receive(frame: FromThread): void {
    // a frame that was on its way when the thread ended: nothing more is done for it (its calls are rejected already)
    if (this.#gone) return;
    switch (frame.t) {
      case "done":
        if (frame.ok) return this.#calls.resolve(frame.call, frame.value);
        return this.#calls.reject(frame.call, fromWireError(frame.error));
      case "subscribe":
        return this.#subscribers.subscribe(frame);
      case "unsubscribe":
        return this.#subscribers.unsubscribe(frame.sub);
      case "publish":
        return this.#reply(frame.call, this.bus.publish(frame.topic, frame.payload, frame.headers === undefined ? undefined : { headers: frame.headers }));
      case "request": {
        const controller = new AbortController();
        this.#requests.set(frame.call, controller);
        const { timeoutMs, headers } = frame.options;
        const options = { signal: controller.signal, ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(headers === undefined ? {} : { headers }) };
        return this.#reply(frame.call, this.bus.request(frame.topic, frame.payload, options), true);
      }
      case "abort-request":
        return this.#requests.get(frame.call)?.abort(fromWireError(frame.reason));
      case "flush":
        return this.#reply(frame.call, this.bus.flush());
      case "beat":
        return this.heartbeat();
      case "log":
        return this.log[frame.level](fromWireFields(frame.fields), frame.message);
      case "fail":
        return this.fail(fromWireError(frame.error));
      case "pong":
        this.#pinger.answered(frame.seq);
        return this.#spec.gauge.heap(this.#worker as Worker, frame.heapUsed);
      case "started":
        return this.#started();
      case "start-failed":
        return this.#startFailed(fromWireError(frame.error));
    }
  }

  /** Answer the thread's call `call` with how `work` settles. */
  #reply(call: number, work: Promise<unknown>, request = false): void {
    work.then(
      (value) => {
        if (request) this.#requests.delete(call);
        this.#out.send(value === undefined ? { t: "reply", call, ok: true } : { t: "reply", call, ok: true, value });
      },
      (error: unknown) => {
        if (request) this.#requests.delete(call);
        this.#out.send({ t: "reply", call, ok: false, error: toWireError(error) });
      },
    );
  }

  #started(): void {
    const starting = this.#starting;
    this.#starting = undefined;
    if (starting === undefined || this.#gone) return;
    const worker = this.#worker as Worker;
    this.#spec.gauge.attach(worker);
    this.#pinger.start();
    starting.resolve();
  }

  #startFailed(error: Error): void {
    const starting = this.#starting;
    this.#starting = undefined;
    starting?.reject(error);
  }

  #hung(silent: number): void {
    if (this.#gone) return;
    const name = this.name;
    const error = new AgentError(
      "AGENT_HUNG",
      name,
      `agent "${name}": its thread did not answer the orchestrator's pings for ${formatDuration(Math.round(silent))} (heartbeatTimeout: ${formatDuration(this.#spec.pingTimeout)}); its thread is terminated`,
    );
    this.#owner.crash("hung", error);
    void this.#end(error);
  }

  readonly #onError = (error: Error): void => {
    if (this.#gone) return;
    const name = this.name;
    const limit = this.#spec.maxHeapMb === undefined ? "Node's default heap limit" : `resourceLimits.maxHeapMb: ${this.#spec.maxHeapMb} MB`;
    const reported =
      (error as { code?: unknown }).code === "ERR_WORKER_OUT_OF_MEMORY"
        ? new AgentError("AGENT_HEAP_LIMIT", name, `agent "${name}": its thread ran out of heap (${limit}); its thread is terminated`, { cause: error })
        : rebuiltError(error);
    this.#died(reported);
  };

  readonly #onExit = (code: number): void => {
    if (this.#gone) return;
    const name = this.name;
    this.#died(new AgentError("AGENT_THREAD_EXIT", name, `agent "${name}": its thread exited unexpectedly with code ${code}`));
  };

  /** The thread died on its own: before `started` the start fails, after it the agent crashes. */
  #died(error: unknown): void {
    const starting = this.#starting;
    this.#starting = undefined;
    if (starting !== undefined) starting.reject(error);
    else this.#owner.crash("error", error);
    void this.#end(error);
  }

  /** A frame that could not be copied to the thread: answer what it belonged to. */
  #refused(frame: ToThread, error: unknown): void {
    // our words, not the clone's (which quotes the user's source): the clone's error is the cause
    const why = "it holds a function, a symbol, a socket or another host object";
    const name = this.name;
    switch (frame.t) {
      case "deliver": {
        const pattern = this.#subscribers.pattern(frame.sub) ?? "?";
        const { topic } = frame.message;
        // a bus that honours the admission check refuses such a payload at publish: this is the
        // fallback for one that does not. The message is skipped for this agent (not its crash: the
        // fault is the publisher's), and said so
        const refusal = new BusError("PAYLOAD_INVALID", `agent "${name}" (isolation: thread) subscribes to "${pattern}": the payload published on "${topic}" cannot be copied to its thread: ${why}; the message is skipped`, { topic, cause: error });
        this.log.error({ agent: name, topic, err: refusal }, refusal.message);
        return this.#calls.resolve(frame.call, undefined);
      }
      case "reply": {
        const refusal = new BusError("PAYLOAD_INVALID", `agent "${name}" (isolation: thread): the answer to its call cannot be copied to its thread: ${why}`, { cause: error });
        return this.#out.send({ t: "reply", call: frame.call, ok: false, error: toWireError(refusal) });
      }
      case "cron":
      case "escalation":
      case "stop":
        return this.#calls.reject(frame.call, new AgentError("AGENT_THREAD_EXIT", name, `agent "${name}": a ${frame.t} call cannot be copied to its thread: ${why}`, { cause: error }));
      default:
        return;
    }
  }

  /**
   * Terminate the thread and release everything (idempotent): the
   * incarnation's cleanup. Every call still waiting is rejected with `cause`
   * when the thread hung or ran out of heap (an `AgentError`), else with an
   * `AGENT_THREAD_EXIT` naming `cause` when the thread died of it: a crash
   * during `stop()` (which the ended incarnation no longer reports) keeps its
   * real cause in the stop's failure.
   */
  #end(cause?: unknown): Promise<void> {
    if (this.#ending !== undefined) return this.#ending;
    this.#gone = true;
    const name = this.name;
    const gone =
      cause instanceof AgentError
        ? cause
        : cause === undefined
          ? new AgentError("AGENT_THREAD_EXIT", name, `agent "${name}": its thread has ended`)
          : new AgentError("AGENT_THREAD_EXIT", name, `agent "${name}": its thread has ended: ${describeThrown(cause)}`, { cause });
    this.#pinger.stop();
    this.signal.removeEventListener("abort", this.#forwardAbort);
    this.#out.close();
    this.#subscribers.close();
    for (const controller of this.#requests.values()) controller.abort(gone);
    this.#requests.clear();
    const starting = this.#starting;
    this.#starting = undefined;
    starting?.reject(gone);
    this.#calls.close(gone);
    const worker = this.#worker;
    if (worker === undefined) return (this.#ending = Promise.resolve());
    this.#spec.gauge.detach(worker);
    this.#ending = worker.terminate().then(
      () => forget(worker, this.#onMessage, this.#onError, this.#onExit),
      () => forget(worker, this.#onMessage, this.#onError, this.#onExit),
    );
    return this.#ending;
  }
}

/** Remove the listeners a ThreadAgent put on `worker`. */
function forget(worker: Worker, onMessage: (frames: FromThread[]) => void, onError: (error: Error) => void, onExit: (code: number) => void): void {
  worker.off("message", onMessage);
  worker.off("error", onError);
  worker.off("exit", onExit);
}

function noop(): void {}
