/**
 * Samples one render formats before it lets the event loop serve other work
 * (2–4 ms of prom-client's formatting on one core).
 */
export const SLICE_SAMPLES = 4_096;

/** Bytes of `/metrics` replies written to sockets before the loop serves other work. */
export const SLICE_BYTES = 1_048_576;

type Schedule = (callback: () => void) => void;

/**
 * A macrotask that lets pending I/O run first: `setImmediate` where the
 * runtime has it, else `setTimeout(0)`. Taken when the module loads, so a test
 * that fakes the timers later cannot stall a scrape.
 */
const macrotask: Schedule =
  typeof setImmediate === "function"
    ? (callback) => void setImmediate(callback)
    : (callback) => void setTimeout(callback, 0);

/** Resolves in a macrotask, after pending I/O has had its turn. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => macrotask(resolve));
}

/**
 * Spreads work that arrives all at once over several macrotasks, so
 * `/healthz`, `/livez` and other requests are answered in between. Each piece
 * of work asks for its {@link Pacer.turn} with its size; the pieces asked for
 * in one synchronous stretch (or one microtask checkpoint) form one pass and
 * are released in order, a slice of at most `slice` units per macrotask (a
 * piece larger than a slice gets one of its own). Work that fits one slice is
 * released at once, without yielding.
 *
 * Two uses: a render of the registry (prom-client asks every metric for its
 * samples in one synchronous pass, then formats each metric when its promise
 * resolves; the metrics read their samples at once, so a scrape stays one
 * consistent snapshot, and wait for their turn with their sample count), and
 * the replies of one shared render (every joined scraper's reply is written
 * on its turn, sized in bytes).
 *
 * @example
 * ```ts
 * const pacer = new Pacer(SLICE_SAMPLES);
 * // in a metric's get():
 * const values: Sample[] = [];
 * read(values);
 * await pacer.turn(values.length);
 * return { ...meta, values };
 * ```
 */
export class Pacer {
  readonly #slice: number;
  /** Resolves when the last piece asked for so far may run. */
  #tail: Promise<void> = Promise.resolve();
  /** Macrotask breaks on the tail not yet passed. */
  #breaks = 0;
  /** Whether a pass is open (its first piece was asked for in this stretch). */
  #open = false;
  /** Units released in the tail's slice so far. */
  #used = 0;

  /** @param slice units per macrotask */
  constructor(slice: number) {
    this.#slice = slice;
  }

  /**
   * Resolves (never rejects) when a piece of `size` units may run. A piece
   * that would overflow the current slice starts the next one, a macrotask
   * after the previous slice was released. A new pass that starts while an
   * earlier one is still being released queues behind it, so one macrotask
   * never runs slices of two passes.
   */
  turn(size: number): Promise<void> {
    if (!this.#open) {
      this.#open = true;
      queueMicrotask(() => {
        this.#open = false;
      });
      if (this.#breaks > 0) this.#break();
      else this.#tail = Promise.resolve();
      this.#used = 0;
    } else if (this.#used > 0 && this.#used + size > this.#slice) {
      this.#break();
      this.#used = 0;
    }
    this.#used += size;
    return this.#tail;
  }

  #break(): void {
    this.#breaks++;
    this.#tail = this.#tail.then(nextMacrotask).then(() => {
      this.#breaks--;
    });
  }
}
