/**
 * `Symbol.asyncDispose`, the key `await using` calls. Node has it from 20.4 on
 * (as `Symbol.for("nodejs.asyncDispose")`); on an older Node 20 the same
 * registered symbol stands in, so a polyfill written the way Node writes it
 * finds our disposers.
 */
export const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? Symbol.for("nodejs.asyncDispose");
