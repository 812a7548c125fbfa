// The codec moved to src/wire/PayloadCodec.ts (transport-neutral). This module
// only keeps the names src/nats/index.ts imports; delete it once that entry
// file imports from ../wire/PayloadCodec.js.
export { jsonCodec } from "../wire/PayloadCodec.js";
export type { PayloadCodec } from "../wire/PayloadCodec.js";
