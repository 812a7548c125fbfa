// The envelope moved to src/wire/envelope.ts (transport-neutral). This module
// only keeps the name src/nats/index.ts imports; delete it once that entry
// file imports from ../wire/envelope.js.
export { ENVELOPE } from "../wire/envelope.js";
