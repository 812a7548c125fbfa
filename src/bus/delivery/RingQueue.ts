/**
 * A FIFO queue on a growable ring buffer: `push` and `shift` are O(1) and do
 * not allocate once the buffer has grown to the queue's working size.
 */
export class RingQueue<T> {
  #buffer: Array<T | undefined> = new Array<T | undefined>(16);
  #mask = 15;
  #head = 0;
  #length = 0;

  /** Number of items queued. */
  get length(): number {
    return this.#length;
  }

  /** Append an item at the tail. */
  push(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#buffer[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Remove and return the item at the head, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const head = this.#head;
    const item = this.#buffer[head];
    this.#buffer[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** Remove and return every item, oldest first. */
  drain(): T[] {
    const items: T[] = [];
    while (this.#length > 0) items.push(this.shift() as T);
    this.#buffer = new Array<T | undefined>(16);
    this.#mask = 15;
    this.#head = 0;
    return items;
  }

  #grow(): void {
    const old = this.#buffer;
    const capacity = old.length * 2;
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#buffer = next;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
