/** Ids are `<bus prefix>-<block>.<n>`: the block string is rebuilt every `ID_BLOCK` messages. */
const ID_BLOCK = 4_096;
const ID_SUFFIXES: readonly string[] = Array.from({ length: ID_BLOCK }, (_, i) => String(i));

/**
 * The in-process bus's message ids: a random per-bus prefix, a block number
 * and a counter within the block (`3f9a01c2-0.17`). Unique per bus and cheap:
 * one string concatenation per message.
 */
export class MessageIds {
  readonly #prefix = randomPrefix();
  #block = -1;
  #blockPrefix = "";
  #count = 0;

  /** The next id. */
  next(): string {
    if (this.#count === ID_BLOCK || this.#block < 0) {
      this.#block++;
      this.#count = 0;
      this.#blockPrefix = `${this.#prefix}-${this.#block.toString(36)}.`;
    }
    return this.#blockPrefix + (ID_SUFFIXES[this.#count++] as string);
  }
}

function randomPrefix(): string {
  const bytes = new Uint8Array(4);
  globalThis.crypto.getRandomValues(bytes);
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
