/** An entry of a {@link TimerHeap}: its due time and its position in the heap (−1 when not in it). */
export interface HeapEntry {
  /** When the entry is due, ms since the epoch. */
  at: number;
  /** Position in the heap; maintained by the heap, −1 outside it. */
  heapIndex: number;
}

/**
 * A binary min-heap on `at`, with O(log n) removal and re-keying of any entry
 * (each entry knows its position). The scheduler keeps one entry per series,
 * not one per trigger.
 */
export class TimerHeap<T extends HeapEntry> {
  readonly #items: T[] = [];

  /** Number of entries. */
  get size(): number {
    return this.#items.length;
  }

  /** The entry due first, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Add an entry that is not in the heap. */
  push(entry: T): void {
    entry.heapIndex = this.#items.length;
    this.#items.push(entry);
    this.#up(entry.heapIndex);
  }

  /** Remove an entry; entries not in the heap are ignored. */
  remove(entry: T): void {
    const index = entry.heapIndex;
    const items = this.#items;
    if (index < 0 || items[index] !== entry) return;
    const last = items.pop() as T;
    entry.heapIndex = -1;
    if (index === items.length) return;
    items[index] = last;
    last.heapIndex = index;
    this.#down(index);
    this.#up(last.heapIndex);
  }

  /** Restore the order after the entry's `at` changed. */
  update(entry: T): void {
    const index = entry.heapIndex;
    if (index < 0 || this.#items[index] !== entry) return;
    this.#up(index);
    this.#down(entry.heapIndex);
  }

  /** Remove every entry. */
  clear(): void {
    for (const entry of this.#items) entry.heapIndex = -1;
    this.#items.length = 0;
  }

  #up(index: number): void {
    const items = this.#items;
    const entry = items[index] as T;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (parent.at <= entry.at) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }

  #down(index: number): void {
    const items = this.#items;
    const length = items.length;
    const entry = items[index] as T;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && (items[right] as T).at < (items[left] as T).at) child = right;
      const smaller = items[child] as T;
      if (smaller.at >= entry.at) break;
      items[index] = smaller;
      smaller.heapIndex = index;
      index = child;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }
}
