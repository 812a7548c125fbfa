/**
 * A map from names to values for the few names one agent has (its triggers):
 * a single entry is kept in two fields, more in a `Map`. An empty `Map` with
 * its table costs some 300 bytes, as much as the trigger it would index, and
 * most agents have one trigger.
 *
 * Iteration is in insertion order, as a `Map`'s.
 *
 * @example
 * ```ts
 * const lanes = new NameTable<Lane>();
 * lanes.set("daily", lane);
 * lanes.get("daily"); // lane
 * ```
 */
export class NameTable<V> {
  #name: string | undefined = undefined;
  #value: V | undefined = undefined;
  #map: Map<string, V> | undefined = undefined;

  /** Number of entries. */
  get size(): number {
    return this.#map?.size ?? (this.#name === undefined ? 0 : 1);
  }

  /** The value of `name`, or `undefined`. */
  get(name: string): V | undefined {
    const map = this.#map;
    if (map !== undefined) return map.get(name);
    return this.#name === name ? this.#value : undefined;
  }

  /** Set the value of `name` (replacing its value when it has one). */
  set(name: string, value: V): void {
    const map = this.#map;
    if (map !== undefined) {
      map.set(name, value);
    } else if (this.#name === undefined || this.#name === name) {
      this.#name = name;
      this.#value = value;
    } else {
      this.#map = new Map([[this.#name, this.#value as V], [name, value]]);
      this.#name = undefined;
      this.#value = undefined;
    }
  }

  /** Remove `name`; true when it was there. */
  delete(name: string): boolean {
    const map = this.#map;
    if (map !== undefined) return map.delete(name);
    if (this.#name !== name) return false;
    this.#name = undefined;
    this.#value = undefined;
    return true;
  }

  /** The values, in insertion order. */
  *values(): IterableIterator<V> {
    for (const [, value] of this) yield value;
  }

  /** The entries, in insertion order. */
  *[Symbol.iterator](): IterableIterator<[string, V]> {
    const map = this.#map;
    if (map !== undefined) yield* map;
    else if (this.#name !== undefined) yield [this.#name, this.#value as V];
  }
}
