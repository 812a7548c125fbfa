import { runInNewContext } from "node:vm";

/**
 * Hostile thrown values for the chaos suite: things an agent can throw, reject
 * with or pass to `fail()` that cannot be described the usual way. Every path
 * a naive description takes (`instanceof Error`, `.message`, `JSON.stringify`,
 * `String()`) throws on them, or they come from another realm. The same
 * catalogue as `hostileValues()` in test/hostileThrown.test.ts, as factories:
 * each fault gets a fresh value, so that the tally can tell faults apart by
 * identity, and each value is registered with its kind.
 */
export const HOSTILE_KINDS = [
  "toString-and-toJSON-throw",
  "toPrimitive-throws",
  "proxy-traps-throw",
  "revoked-proxy",
  "error-getters-throw",
  "cross-realm-object",
  "cross-realm-error",
] as const;

export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** The kind of every hostile value handed out (identity only: looking a Proxy up runs none of its traps). */
const registry = new WeakMap<object, HostileKind>();

/** Factories of another realm, built once (a fresh context per value would cost a millisecond each). */
const foreign = runInNewContext(`({
  object(label) {
    const boom = () => { throw new Error(label); };
    return { toString: boom, toJSON: boom, valueOf: boom };
  },
  error(label) {
    const boom = () => { throw new Error(label); };
    const error = new Error(label);
    Object.defineProperty(error, "message", { get: boom });
    Object.defineProperty(error, "name", { get: boom });
    error.toJSON = boom;
    return error;
  },
})`) as { object(label: string): object; error(label: string): object };

/** An Error of this realm whose `message` and `name` getters throw. */
class GetterError extends Error {
  readonly #label: string;
  constructor(label: string) {
    super();
    this.#label = label;
  }
  override get message(): string {
    throw new Error(this.#label);
  }
  override get name(): string {
    throw new Error(this.#label);
  }
}

function make(kind: HostileKind, label: string): object {
  const boom = (): never => {
    throw new Error(label);
  };
  switch (kind) {
    case "toString-and-toJSON-throw":
      return { toString: boom, toJSON: boom };
    case "toPrimitive-throws":
      return { [Symbol.toPrimitive]: boom, toString: boom, toJSON: boom };
    case "proxy-traps-throw":
      return new Proxy(
        {},
        { get: boom, has: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom, set: boom, defineProperty: boom, deleteProperty: boom, isExtensible: boom, preventExtensions: boom, setPrototypeOf: boom },
      );
    case "revoked-proxy": {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
    case "error-getters-throw":
      return new GetterError(label);
    case "cross-realm-object":
      return foreign.object(label);
    case "cross-realm-error":
      return foreign.error(label);
  }
}

/** A fresh hostile value of `kind`; its traps and getters throw `Error(label)` (a revoked Proxy throws a TypeError). */
export function hostileValue(kind: HostileKind, label: string): unknown {
  const value = make(kind, `hostile ${kind}: ${label}`);
  registry.set(value, kind);
  return value;
}

/** The kind of a value {@link hostileValue} made, `undefined` for anything else. Never reads the value. */
export function hostileKindOf(value: unknown): HostileKind | undefined {
  return (typeof value === "object" && value !== null) || typeof value === "function" ? registry.get(value) : undefined;
}

/**
 * A description of anything thrown for the suite's own messages, independent
 * of the library: hostile values by their kind, errors by name and message,
 * and whatever else `String()` makes of it. Never throws.
 */
export function showThrown(value: unknown): string {
  const kind = hostileKindOf(value);
  if (kind !== undefined) return `a hostile value (${kind})`;
  try {
    return value instanceof Error ? `${value.name} "${value.message}"` : String(value);
  } catch {
    return "a value that cannot be described";
  }
}
