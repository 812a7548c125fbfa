/**
 * A record with exactly the keys of `T`, each `true`: written as a literal, it
 * fails to compile when a key of `T` is missing or one is added that `T` lacks,
 * so a key list derived from it cannot drift from the type.
 */
export type KeysOf<T> = { readonly [K in keyof Required<T>]: true };

/** The keys of a {@link KeysOf} record, in the order written, typed as the keys of `T`. */
export function keysOf<T>(record: KeysOf<T>): ReadonlyArray<keyof T & string> {
  return Object.freeze(Object.keys(record) as Array<keyof T & string>);
}
