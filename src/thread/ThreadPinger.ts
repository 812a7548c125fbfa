/** The shortest interval between two checks (ms), whatever the ping timeout. */
const MIN_PING_INTERVAL = 10;

/**
 * The liveness check of one thread agent's incarnation, on wall time: a thread
 * lives in real time whatever clock the orchestrator runs on (a `ManualClock`'s
 * `advance()` does not make a thread late), so the ping loop uses real timers
 * (`setTimeout`, unref'd) and `performance.now()`, never the injected clock.
 *
 * - Every quarter of `timeout` (at least every 10 ms) it checks; when no ping
 *   is waiting for its answer, it sends one.
 * - A hang is declared only for a ping that was *sent* and has gone unanswered
 *   for `timeout`. The verdict is taken a turn later (`setImmediate`), so
 *   answers already queued on the port are read first.
 * - A check that runs much later than planned means the main thread itself was
 *   stalled (a long synchronous task, a GC pause): no verdict is taken at that
 *   check, the thread is not blamed for the main thread's delay.
 *
 * @example
 * ```ts
 * const pinger = new ThreadPinger(10_000, (seq) => out.send({ t: "ping", seq }), (silent) => crash(silent));
 * pinger.start();
 * // on each pong: pinger.answered(frame.seq); at the end: pinger.stop();
 * ```
 */
export class ThreadPinger {
  readonly #timeout: number;
  readonly #interval: number;
  readonly #send: (seq: number) => void;
  readonly #hung: (silentMs: number) => void;
  #seq = 0;
  /** The ping sent and not answered yet: its number and when it was sent (`performance.now()`). */
  #waiting: { readonly seq: number; readonly sentAt: number } | undefined = undefined;
  /** When the pending check was planned to run. */
  #due = 0;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #verdict: ReturnType<typeof setImmediate> | undefined = undefined;
  #stopped = false;

  /**
   * @param timeout - ms a sent ping may stay unanswered before the thread is hung
   * @param send - sends ping number `seq` to the thread
   * @param hung - called once when a ping stayed unanswered for `timeout` (with how long, in ms)
   */
  constructor(timeout: number, send: (seq: number) => void, hung: (silentMs: number) => void) {
    this.#timeout = timeout;
    this.#interval = Math.max(MIN_PING_INTERVAL, timeout / 4);
    this.#send = send;
    this.#hung = hung;
  }

  /** Start checking (the first ping goes after one interval). */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#arm(this.#interval);
  }

  /** The thread answered ping `seq` (answers come in order: every earlier ping is answered too). */
  answered(seq: number): void {
    const waiting = this.#waiting;
    if (waiting !== undefined && seq >= waiting.seq) this.#waiting = undefined;
  }

  /** Stop for good: clear the timers (the incarnation ended). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#verdict !== undefined) clearImmediate(this.#verdict);
    this.#timer = undefined;
    this.#verdict = undefined;
  }

  #arm(delay: number): void {
    if (this.#stopped) return;
    const ms = Math.max(1, delay);
    this.#due = performance.now() + ms;
    const timer = setTimeout(this.#check, ms);
    timer.unref();
    this.#timer = timer;
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    const now = performance.now();
    const stalled = now - this.#due > this.#interval;
    const waiting = this.#waiting;
    if (waiting === undefined) {
      this.#waiting = { seq: ++this.#seq, sentAt: now };
      this.#send(this.#seq);
      return this.#arm(this.#interval);
    }
    const left = waiting.sentAt + this.#timeout - now;
    // the main thread was stalled: the answer may be queued behind it, judge at a later check
    if (stalled || left > 0) return this.#arm(stalled ? this.#interval : Math.min(this.#interval, left));
    this.#verdict = setImmediate(this.#judge, waiting.seq);
  };

  readonly #judge = (seq: number): void => {
    this.#verdict = undefined;
    if (this.#stopped) return;
    const waiting = this.#waiting;
    if (waiting === undefined || waiting.seq !== seq) return this.#arm(this.#interval);
    this.#stopped = true;
    this.#hung(performance.now() - waiting.sentAt);
  };
}
