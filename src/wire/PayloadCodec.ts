import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";

/**
 * How payloads (and request replies) become bytes on the wire and back. Both
 * sides of a topic must use the same codec.
 *
 * `encode` throws for a value it cannot carry; the bus turns that into a
 * `BusError` `PAYLOAD_INVALID` rejected by `publish` / `request` (the JSON
 * codec throws that error itself), so a bad
 * value never becomes a broken message downstream. `decode` throws for bytes
 * it cannot read; the receiving bus reports that to the subscription's
 * `onError` (else the bus's) and counts the message as dropped.
 *
 * @example
 * ```ts
 * import { decode, encode } from "@msgpack/msgpack";
 * const msgpack: PayloadCodec = { encode: (payload) => encode(payload), decode: (bytes) => decode(bytes) };
 * const bus = await createNatsBus({ servers: "nats://127.0.0.1:4222" }, { codec: msgpack });
 * ```
 */
export interface PayloadCodec {
  /** Serialise a payload; throw when it cannot be carried faithfully. */
  encode(payload: unknown): Uint8Array;
  /** Read back what {@link PayloadCodec.encode} produced (an empty array for an empty message). */
  decode(bytes: Uint8Array): unknown;
}

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The default codec: UTF-8 JSON. It refuses what JSON would silently change or
 * lose, instead of sending something else than was published: functions and
 * symbols (JSON drops them), BigInt, non-finite numbers (JSON makes them
 * `null`) and cycles. `undefined` as the whole payload travels as an empty
 * message and arrives as `undefined`; an `undefined` property is left out, as
 * JSON does. Dates arrive as ISO strings (their `toJSON`).
 */
export const jsonCodec: PayloadCodec = Object.freeze({
  encode(payload: unknown): Uint8Array {
    if (payload === undefined) return EMPTY;
    // Buffer.from: pooled, several times cheaper than TextEncoder for small payloads
    return Buffer.from(jsonText(payload), "utf8");
  },
  decode(bytes: Uint8Array): unknown {
    if (bytes.length === 0) return undefined;
    try {
      return JSON.parse(decoder.decode(bytes)) as unknown;
    } catch (cause) {
      throw new BusError("PAYLOAD_INVALID", `the payload is not UTF-8 JSON (${(cause as Error).message})`, { cause });
    }
  },
});

/**
 * The JSON text {@link jsonCodec} encodes `payload` to (`""` for `undefined`),
 * with the same refusals. The bus's envelope writer uses it to build a message
 * as one string.
 *
 * @throws BusError `PAYLOAD_INVALID` for what JSON would drop or alter, naming where it is
 */
export function jsonText(payload: unknown): string {
  if (payload === undefined) return "";
  // the walk finds what JSON would drop or alter; past MAX_DEPTH (or a cycle) the replacer takes over
  const text = isJsonSafe(payload, "", 0) ? JSON.stringify(payload) : stringifyChecked(payload);
  // JSON.stringify returns undefined when the payload's toJSON does (its types say string)
  if (typeof (text as string | undefined) !== "string") throw refused("the payload serialises to nothing (its toJSON returned undefined), which JSON cannot carry");
  return text;
}

/** `JSON.stringify` with the refusing replacer; a cycle (the platform's own refusal) is refused likewise. */
function stringifyChecked(payload: unknown): string {
  try {
    return JSON.stringify(payload, strictReplacer);
  } catch (cause) {
    if (cause instanceof BusError) throw cause;
    throw new BusError("PAYLOAD_INVALID", `the payload cannot be written as JSON: ${describeThrown(cause)}`, { cause });
  }
}

/** A `PAYLOAD_INVALID` error: JSON cannot carry the payload faithfully. */
function refused(message: string): BusError {
  return new BusError("PAYLOAD_INVALID", message);
}

/** Nesting depth the fast walk checks; deeper values (and cycles) are checked by the replacer instead. */
const MAX_DEPTH = 32;

/**
 * Walk `value` as `JSON.stringify` would and throw for what it would drop or
 * alter. Returns false when the value is nested deeper than {@link MAX_DEPTH}
 * (the caller then lets the slower replacer check it). Three times cheaper than
 * a replacer on typical payloads.
 */
function isJsonSafe(value: unknown, key: string | number, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return true;
    case "number":
      if (!Number.isFinite(value)) strictReplacer(key, value);
      return true;
    case "object":
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) return isArraySafe(value, depth);
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return true;
      return isRecordSafe(value as Record<string, unknown>, key, depth);
    default:
      strictReplacer(key, value);
      return true;
  }
}

/** {@link isJsonSafe} for an array: its common leaves are checked in the loop, without a call. */
function isArraySafe(value: unknown[], depth: number): boolean {
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    switch (typeof item) {
      case "string":
      case "boolean":
        continue;
      case "number":
        if (!Number.isFinite(item)) strictReplacer.call(value, i, item);
        continue;
      case "undefined":
      case "function":
      case "symbol":
        strictReplacer.call(value, i, item);
    }
    if (!isJsonSafe(item, i, depth + 1)) return false;
  }
  return true;
}

/** {@link isJsonSafe} for an object without `toJSON`: its common leaves are checked in the loop, without a call. */
function isRecordSafe(record: Record<string, unknown>, key: string | number, depth: number): boolean {
  const prototype: unknown = Object.getPrototypeOf(record);
  const plain = prototype === Object.prototype || prototype === null;
  // a plain object is none of the opaque kinds: their instances inherit from their own prototypes
  if (!plain) refuseOpaque(key, record, false);
  // JSON reads own properties only; for-in also lists inherited enumerable ones, which only non-plain objects have
  for (const name in record) {
    if (!plain && !Object.hasOwn(record, name)) continue;
    const item = record[name];
    switch (typeof item) {
      case "string":
      case "boolean":
      case "undefined":
        continue;
      case "number":
        if (!Number.isFinite(item)) strictReplacer(name, item);
        continue;
      case "function":
      case "symbol":
        strictReplacer(name, item);
    }
    if (!isJsonSafe(item, name, depth + 1)) return false;
  }
  return true;
}

/**
 * Throws for values JSON would drop or alter. As a replacer it runs for every
 * value JSON visits (`this` is the holder); the walk calls it directly with an
 * element's index or a property's name.
 */
function strictReplacer(this: unknown, key: string | number, value: unknown): unknown {
  const inArray = typeof key === "number" || Array.isArray(this);
  if (inArray && value === undefined) throw refused(`${where(key, inArray)} is undefined, which JSON cannot carry in an array (it would arrive as null)`);
  switch (typeof value) {
    case "object":
      if (value !== null && typeof (value as { toJSON?: unknown }).toJSON !== "function") refuseOpaque(key, value, inArray);
      return value;
    case "number":
      if (!Number.isFinite(value)) throw refused(`${where(key, inArray)} is ${String(value)}, which JSON cannot carry (it would arrive as null)`);
      return value;
    case "function":
      throw refused(`${where(key, inArray)} is a function, which JSON cannot carry (it would be dropped)`);
    case "symbol":
      throw refused(`${where(key, inArray)} is a symbol, which JSON cannot carry (it would be dropped)`);
    case "bigint":
      throw refused(`${where(key, inArray)} is a BigInt (${String(value)}n), which JSON cannot carry; send it as a string`);
    default:
      return value;
  }
}

/** Objects whose content JSON does not see: they would arrive as `{}` (or an index object). */
const OPAQUE: ReadonlyArray<readonly [abstract new (...args: never[]) => unknown, string]> = [
  [Map, "a Map"],
  [Set, "a Set"],
  [WeakMap, "a WeakMap"],
  [WeakSet, "a WeakSet"],
  [Error, "an Error"],
  [RegExp, "a RegExp"],
  [Promise, "a Promise"],
  [ArrayBuffer, "an ArrayBuffer"],
];

/** Throw for an object JSON would turn into `{}` or an index object instead of its content. */
function refuseOpaque(key: string | number, value: object, inArray: boolean): void {
  if (ArrayBuffer.isView(value)) {
    throw refused(`${where(key, inArray)} is a ${value.constructor.name}, which JSON cannot carry (it would arrive as an index object); send an array or a base64 string, or use a binary codec`);
  }
  for (const [type, name] of OPAQUE) {
    if (value instanceof type) throw refused(`${where(key, inArray)} is ${name}, which JSON cannot carry (it would arrive as {}); convert it first`);
  }
}

/** Where a bad value is: the payload itself, an array element or a property. */
function where(key: string | number, inArray: boolean): string {
  if (key === "") return "the payload";
  return inArray ? `element ${key}` : `property ${JSON.stringify(key)}`;
}
