import type { GroupIntensity } from "./GroupIntensity.js";
import type { GroupDecisionInput, GroupVerdict } from "./GroupPorts.js";
import { restartSet } from "./restartSet.js";

/**
 * What a group does about a crash of one of its children that the child's
 * own policy would restart: the restart is recorded in `intensity` at `at`;
 * over the intensity the group fails as a whole (`restarts`: the restarts
 * inside the window, this one included), otherwise it restarts
 * {@link restartSet}`(input)`.
 *
 * @throws Error (from {@link restartSet}) when `input.crashed` is not among
 * `input.children`; nothing is recorded then.
 *
 * @example
 * const verdict = decideGroup(input, groupIntensity, clock.now());
 * if (verdict.kind === "fail") failGroup(verdict.restarts);
 * else restartChildren(verdict.restart);
 */
export function decideGroup(input: GroupDecisionInput, intensity: GroupIntensity, at: number): GroupVerdict {
  const restart = restartSet(input); // first: a crashed child outside the group throws before anything is recorded
  if (intensity.record(at)) return { kind: "fail", restarts: intensity.history().length };
  return { kind: "restart", restart };
}
