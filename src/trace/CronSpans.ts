import { context, ROOT_CONTEXT, SpanKind, trace, type Span } from "@opentelemetry/api";
import type { CronTick, TickMessage } from "../schedule/ScheduleSpec.js";
import type { RunOutcome } from "../state/TriggerStore.js";
import { recordFailure } from "./recordFailure.js";
import { ATTR } from "./traceAttributes.js";
import { libraryTracer, tracerRegistered } from "./tracer.js";

/** What runs a tick: the cron runner's host (called as a method: it may be a class instance). */
interface TickRunner {
  run(tick: CronTick): Promise<void> | void;
}

/**
 * The spans of cron runs (one instance serves every runner: its table is keyed by tick), while a tracer provider is
 * registered: one `INTERNAL` span `onCron <agent>:<trigger>` per run, active
 * while `onCron` runs (the host's own spans nest under it), ended with the
 * run's outcome (`ok`, `error`, `hung`, `aborted`). Without a provider a run
 * costs one check and nothing else.
 */
export class CronSpans {
  /** The spans of the runs in flight, by tick (made with the first traced run). */
  #open: Map<TickMessage, Span> | undefined = undefined;

  /**
   * Run `tick` through `runner`, in its span when tracing.
   *
   * @param nested - the run's span is a child of the active context (a tick that
   *   came as a bus message: its handler's span; a run asked for by a caller);
   *   otherwise a root (a timer's context is not the run's)
   */
  run(runner: TickRunner, tick: CronTick, nested: boolean): Promise<void> | void {
    if (!tracerRegistered()) return runner.run(tick);
    const parent = nested ? context.active() : ROOT_CONTEXT;
    const attributes = {
      [ATTR.agent]: tick.agent,
      [ATTR.trigger]: tick.trigger,
      [ATTR.slot]: new Date(tick.scheduledAt).toISOString(),
      [ATTR.key]: tick.key,
      [ATTR.catchup]: tick.catchup,
      [ATTR.attempt]: tick.attempt,
    };
    const span = libraryTracer().startSpan(`onCron ${tick.agent}:${tick.trigger}`, { kind: SpanKind.INTERNAL, attributes }, parent);
    (this.#open ??= new Map()).set(tick, span);
    return context.with(trace.setSpan(parent, span), () => runner.run(tick));
  }

  /** `tick`'s run ended with `outcome` (and `error` for `error` and `hung`): its span ends. Never throws. */
  end(tick: TickMessage, outcome: RunOutcome, error?: unknown): void {
    const open = this.#open;
    if (open === undefined) return;
    const span = open.get(tick);
    if (span === undefined) return;
    open.delete(tick);
    try {
      span.setAttribute(ATTR.outcome, outcome);
      if (outcome === "error" || outcome === "hung") recordFailure(span, error);
      span.end();
    } catch {
      // a provider's span that throws: the run is over either way
    }
  }
}
