import { describeThrown } from "../errors/describeThrown.js";
import { formatDuration } from "../duration.js";
import type { Logger } from "../logger.js";

/** The signals `handleSignals: true` turns into a graceful shutdown. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

/** Where the handlers are installed: `process`, or an emitter standing in for it in a test. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** What {@link SignalHandlers} needs from the orchestrator. */
export interface SignalHandlersOptions {
  /** Begins the graceful shutdown; called for the first signal only. */
  readonly shutdown: (signal: NodeJS.Signals) => Promise<void>;
  /** `shutdown.timeout` in ms: named in the warning about a repeated signal. */
  readonly timeout: number;
  /** The orchestrator's guarded logger (`guardLogger`): it never throws. */
  readonly logger: Logger;
  /** @default process */
  readonly source?: SignalSource;
}

/**
 * The SIGTERM/SIGINT handlers of `handleSignals: true` (SPEC decisions 12 and 31).
 *
 * The first signal begins the graceful shutdown. A signal repeated while that shutdown runs (a second
 * Ctrl-C, or an orchestrator such as Kubernetes or systemd sending SIGTERM again) is logged at `warn`
 * and ignored: the shutdown is already bounded by `shutdown.timeout`, and falling through to Node's
 * default action would kill the process in the middle of an agent's `stop()`. The handlers stay
 * installed until the owner calls {@link SignalHandlers.remove} once the shutdown has finished, so
 * that from then on the host's own handlers, or Node's default action, apply again. Nothing here
 * calls `process.exit`.
 */
export class SignalHandlers {
  readonly #options: SignalHandlersOptions;
  readonly #source: SignalSource;
  readonly #listener = (signal: NodeJS.Signals): void => this.#receive(signal);
  #installed = false;
  #first: NodeJS.Signals | undefined;

  constructor(options: SignalHandlersOptions) {
    this.#options = options;
    this.#source = options.source ?? process;
  }

  /** Whether the handlers are installed now. */
  get installed(): boolean {
    return this.#installed;
  }

  /** Install one handler per signal of {@link SHUTDOWN_SIGNALS}. Idempotent. */
  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    for (const signal of SHUTDOWN_SIGNALS) this.#source.on(signal, this.#listener);
  }

  /** Remove the handlers (once the shutdown has finished). Idempotent. */
  remove(): void {
    if (!this.#installed) return;
    this.#installed = false;
    for (const signal of SHUTDOWN_SIGNALS) this.#source.off(signal, this.#listener);
  }

  /** Never throws: an exception here would be an uncaught one, ending the process. */
  #receive(signal: NodeJS.Signals): void {
    const { logger, timeout } = this.#options;
    if (this.#first !== undefined) {
      logger.warn(
        { signal, first: this.#first, timeout },
        `${signal} received again: shutdown is already in progress, bounded by shutdown.timeout (${formatDuration(timeout)}); ignoring it`,
      );
      return;
    }
    this.#first = signal;
    logger.info({ signal }, `${signal}: shutting down`);
    const failed = (error: unknown): void => logger.error({ signal, err: error }, `${signal}: shutdown failed: ${describeThrown(error)}`);
    try {
      this.#options.shutdown(signal).catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}
