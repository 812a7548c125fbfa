/**
 * Sends the frames of one turn in one post: the first frame of a turn
 * schedules a flush on a microtask, the frames after it join the same array.
 * Posting one array instead of one message per frame is what lets deliveries
 * across a thread boundary keep up with a busy publisher.
 *
 * When the batch cannot be posted (a frame holds something that cannot be
 * structured-cloned), the frames are posted one by one, in order, and each
 * that still fails is handed to `refused` with the error: the caller answers
 * the call it belonged to. Nothing else is reported.
 *
 * @typeParam Frame - the frames one side sends (see `protocol.ts`)
 * @example
 * ```ts
 * const out = new FrameBatcher<ToThread>((frames) => worker.postMessage(frames), (frame, error) => fail(frame, error));
 * out.send({ t: "ping", seq: 1 });
 * ```
 */
export class FrameBatcher<Frame> {
  readonly #post: (frames: Frame[]) => void;
  readonly #refused: (frame: Frame, error: unknown) => void;
  #batch: Frame[] | undefined = undefined;
  #closed = false;

  /**
   * @param post - posts one array of frames (`port.postMessage(frames)`); may throw a `DataCloneError`
   * @param refused - called for a frame that could not be posted on its own
   */
  constructor(post: (frames: Frame[]) => void, refused: (frame: Frame, error: unknown) => void) {
    this.#post = post;
    this.#refused = refused;
  }

  /** Queue `frame` for this turn's post (dropped once closed). */
  send(frame: Frame): void {
    if (this.#closed) return;
    const batch = this.#batch;
    if (batch !== undefined) {
      batch.push(frame);
      return;
    }
    this.#batch = [frame];
    queueMicrotask(this.flush);
  }

  /** Post what this turn queued now (the microtask then finds nothing). */
  readonly flush = (): void => {
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch === undefined || this.#closed) return;
    try {
      this.#post(batch);
    } catch {
      for (const frame of batch) {
        try {
          this.#post([frame]);
        } catch (error) {
          this.#refused(frame, error);
        }
      }
    }
  };

  /** Drop what is queued and every later frame: the port is gone. */
  close(): void {
    this.#closed = true;
    this.#batch = undefined;
  }
}
