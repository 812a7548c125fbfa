/** Names of a cycle listed in a message before the rest are counted instead. */
export const CYCLE_NAMES_SHOWN = 10;

/**
 * A cycle in words, back to its first name: `a → b → c → a`. A cycle longer
 * than {@link CYCLE_NAMES_SHOWN} names lists its first ones and counts the
 * others (`a0 → … → a9 → … and 4990 more → a0`), so a message stays short
 * however many entries the cycle runs through.
 *
 * @param cycle the cycle's names in order, its first name not repeated at the end.
 */
export function cycleText(cycle: readonly string[]): string {
  const first = cycle[0];
  if (first === undefined) return "";
  if (cycle.length <= CYCLE_NAMES_SHOWN) return [...cycle, first].join(" → ");
  return `${cycle.slice(0, CYCLE_NAMES_SHOWN).join(" → ")} → … and ${cycle.length - CYCLE_NAMES_SHOWN} more → ${first}`;
}
