/**
 * Key of a frame's method called when the frame is about to be posted (or is
 * dropped): a sender that keeps adding to a frame it sent earlier in the turn
 * (a subscription's deliveries, the acknowledgements of a turn) starts a new
 * frame after that. It may return the frame to post in its place (what it
 * has gathered, in its final form). Symbol-keyed: a clone does not copy it.
 */
export const SEAL: unique symbol = Symbol("FrameBatcher.seal") as never;

/**
 * Key of a frame's method returning the frames it stands for, one per item
 * (the frames a batch of deliveries replaces), when it cannot be posted
 * whole: each is then posted alone, and `refused` told of those that fail.
 */
export const SPLIT: unique symbol = Symbol("FrameBatcher.split") as never;

/** What a frame may carry beside its data (see {@link SEAL}, {@link SPLIT}). */
interface FrameHooks<Frame> {
  readonly [SEAL]?: () => Frame | undefined;
  readonly [SPLIT]?: () => Frame[];
}

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
    if (this.#closed) {
      seal([frame]);
      return;
    }
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
    const sent = seal(batch);
    try {
      this.#post(sent);
    } catch {
      for (let index = 0; index < batch.length; index++) {
        const frame = batch[index] as Frame;
        try {
          this.#post([sent[index] as Frame]);
        } catch (error) {
          const split = (frame as FrameHooks<Frame>)[SPLIT];
          if (split === undefined) this.#refused(frame, error);
          else for (const part of split.call(frame)) this.#postAlone(part);
        }
      }
    }
  };

  #postAlone(frame: Frame): void {
    try {
      this.#post([frame]);
    } catch (error) {
      this.#refused(frame, error);
    }
  }

  /** Drop what is queued and every later frame: the port is gone. */
  close(): void {
    this.#closed = true;
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch !== undefined) seal(batch);
  }
}

/** Tell the frames of `batch` that carry {@link SEAL} they are sent: `batch` with the frames they give in their place. */
function seal<Frame>(batch: Frame[]): Frame[] {
  let sent = batch;
  for (let index = 0; index < batch.length; index++) {
    const frame = batch[index] as Frame;
    const sealed = (frame as FrameHooks<Frame>)[SEAL];
    if (sealed === undefined) continue;
    const replacement = sealed.call(frame);
    if (replacement === undefined) continue;
    if (sent === batch) sent = batch.slice();
    sent[index] = replacement;
  }
  return sent;
}
