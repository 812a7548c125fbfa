import type { agentEntryShape, configShape, groupShape, restartPolicyShape, supervisorShape } from "./configShape.js";
import type { InputOf } from "./shape.js";

// The types below are inferred from the one declarative shape in configShape.ts
// (where each key's TSDoc and default are written); edit the shape, not these.

/**
 * A group's restart policy: restart forever (`"always"`), at most `max` times
 * since `start()` or the last `enable()` (`{ max }`, then the agent is
 * disabled), or stop the orchestrator on the first crash (`"fail-stop"`).
 *
 * @useDeclaredType
 */
export type RestartPolicy = InputOf<typeof restartPolicyShape>;

/** `agents.<name>` in the config: settings for one agent, and how to load it when it is not registered in code. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the keys come from the shape
export interface AgentEntryConfig extends InputOf<typeof agentEntryShape> {}

/**
 * `groups.<name>` in the config: a new group, or overrides of a built-in one,
 * key by key. `backoff` (a function) can only be given in code.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the keys come from the shape
export interface GroupConfig extends InputOf<typeof groupShape> {}

/** `supervisor:` in the config: timings shared by every agent. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the keys come from the shape
export interface SupervisorConfig extends InputOf<typeof supervisorShape> {}

/**
 * The configuration, as YAML (`loadConfig`) or as an object
 * (`createOrchestrator({ config })`). Every key is optional; durations are
 * `"500ms"`, `"30s"`, `"5m"`, `"1h"` or a number of milliseconds.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the keys come from the shape
export interface OrchestratorConfig extends InputOf<typeof configShape> {}
