import { describeThrown } from "../errors/describeThrown.js";
import type { FailStop } from "./Lifecycle.js";

/**
 * What stopped the orchestrator, in words: `critical agent "risk" crashed: …`,
 * or `critical group "core" failed: …` when a critical group failed at the top
 * of the supervision tree (its error names the agent whose crash failed it).
 */
export function failStopCause(failure: FailStop | { readonly agent: string; readonly error: unknown; readonly group: string | undefined }): string {
  const { agent, error, group } = failure;
  return group === undefined ? `critical agent "${agent}" crashed: ${describeThrown(error)}` : `critical group "${group}" failed: ${describeThrown(error)}`;
}
