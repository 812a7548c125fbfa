/**
 * The symbols of explicit resource management (`using` / `await using`), on
 * every Node.js the package supports. Node.js 20.4+ and 22 define
 * `Symbol.dispose` and `Symbol.asyncDispose` themselves (as
 * `Symbol.for("nodejs.dispose")` and `Symbol.for("nodejs.asyncDispose")`),
 * Node.js 24 has them from V8; on the first releases of Node.js 20, which
 * have neither, the library falls back to Node's registered symbols, the
 * ones later releases of 20 adopted, rather than changing the global `Symbol`.
 */

/** `Symbol.dispose`, or Node's `Symbol.for("nodejs.dispose")` where the runtime has none. */
export const DISPOSE: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for("nodejs.dispose");

/** `Symbol.asyncDispose`, or Node's `Symbol.for("nodejs.asyncDispose")` where the runtime has none. */
export const ASYNC_DISPOSE: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? Symbol.for("nodejs.asyncDispose");
