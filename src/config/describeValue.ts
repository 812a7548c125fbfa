/**
 * @deprecated Import `describeValue` from `src/check.ts`, the one value
 * describer; this path is kept only until the last importers move.
 */
export { describeValue } from "../check.js";
