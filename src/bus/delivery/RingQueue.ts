/** Slots of a queue's buffer when its first item arrives. */
const FIRST_CAPACITY = 4;

/**
 * A FIFO queue on a growable ring buffer: `push` and `shift` are O(1) and do
 * not allocate once the buffer has grown to the queue's working size. An empty
 * queue that never held an item (or was drained) holds no buffer: a bus keeps
 * one queue per subscription, most of them idle.
 */
export class RingQueue<T> {
  #buffer: Array<T | undefined> | undefined = undefined;
  /** Capacity − 1 (capacities are powers of two); −1 while there is no buffer. */
  #mask = -1;
  #head = 0;
  #length = 0;

  /** Number of items queued. */
  get length(): number {
    return this.#length;
  }

  /** Append an item at the tail. */
  push(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    (this.#buffer as Array<T | undefined>)[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Remove and return the item at the head, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const buffer = this.#buffer as Array<T | undefined>;
    const head = this.#head;
    const item = buffer[head];
    buffer[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** Remove and return every item, oldest first; the queue gives up its buffer. */
  drain(): T[] {
    const items: T[] = [];
    while (this.#length > 0) items.push(this.shift() as T);
    this.#buffer = undefined;
    this.#mask = -1;
    this.#head = 0;
    return items;
  }

  #grow(): void {
    const old = this.#buffer;
    if (old === undefined) {
      this.#buffer = new Array<T | undefined>(FIRST_CAPACITY);
      this.#mask = FIRST_CAPACITY - 1;
      this.#head = 0;
      return;
    }
    const capacity = old.length * 2;
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#buffer = next;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
