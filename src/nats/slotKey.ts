import { NatsError } from "./NatsError.js";

/** Characters a slot key keeps as they are; every other UTF-8 byte becomes `_XX`. */
const KEPT = /^[A-Za-z0-9-]$/;
const HEX = "0123456789ABCDEF";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Turn a tick key (`<agent>:<trigger>:<scheduledAt ISO>`, any string) into a
 * JetStream KV key. KV keys allow only `[-/_=.a-zA-Z0-9]` (and no leading or
 * trailing `.`); this keeps `A-Z a-z 0-9 -` and writes every other UTF-8
 * byte, `_` included, as `_` and two upper-case hex digits. `_` only ever
 * starts an escape, so distinct tick keys give distinct slot keys (the
 * encoding is injective) and {@link decodeSlotKey} reverses it.
 *
 * @throws NatsError `SLOT_KEY_INVALID` for a string with a lone UTF-16 surrogate (no UTF-8 form)
 * @example
 * ```ts
 * encodeSlotKey("report:every:1s:2026-01-05T09:30:00.000Z");
 * // "report_3Aevery_3A1s_3A2026-01-05T09_3A30_3A00_2E000Z"
 * ```
 */
export function encodeSlotKey(key: string): string {
  let out = "";
  let run = 0;
  for (let i = 0; i < key.length; i++) {
    const char = key[i] as string;
    if (KEPT.test(char)) continue;
    out += key.slice(run, i);
    const code = key.codePointAt(i) as number;
    const width = code > 0xffff ? 2 : 1;
    if (width === 1 && code >= 0xd800 && code <= 0xdfff) {
      throw new NatsError("SLOT_KEY_INVALID", `Cannot encode slot key ${JSON.stringify(key)}: it contains a lone UTF-16 surrogate at ${i}, which has no UTF-8 form`);
    }
    for (const byte of encoder.encode(key.slice(i, i + width))) out += `_${HEX[byte >> 4] as string}${HEX[byte & 15] as string}`;
    i += width - 1;
    run = i + 1;
  }
  return out + key.slice(run);
}

/**
 * The tick key an {@link encodeSlotKey} result came from.
 *
 * @throws NatsError `SLOT_KEY_INVALID` for a string that is not an encoded slot key
 */
export function decodeSlotKey(encoded: string): string {
  const bytes: number[] = [];
  let out = "";
  const flush = (): void => {
    if (bytes.length === 0) return;
    try {
      out += decoder.decode(new Uint8Array(bytes));
    } catch (cause) {
      throw new NatsError("SLOT_KEY_INVALID", `Not an encoded slot key: ${JSON.stringify(encoded)} (its escapes are not UTF-8)`, { cause });
    }
    bytes.length = 0;
  };
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i] as string;
    if (char === "_") {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw notEncoded(encoded, `bad escape at ${i}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
      continue;
    }
    if (!KEPT.test(char)) throw notEncoded(encoded, `${JSON.stringify(char)} at ${i}`);
    flush();
    out += char;
  }
  flush();
  return out;
}

function notEncoded(encoded: string, why: string): NatsError {
  return new NatsError("SLOT_KEY_INVALID", `Not an encoded slot key: ${JSON.stringify(encoded)} (${why})`);
}
