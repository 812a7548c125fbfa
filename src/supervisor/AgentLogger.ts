import { discards, type Logger } from "../logger.js";

/**
 * A logger whose entries carry `{ agent }` (what an agent's `this.log` is):
 * one small object per agent, its methods shared by all.
 */
export class AgentLogger implements Logger {
  readonly #logger: Logger;
  readonly #agent: string;

  /** @param logger - the orchestrator's logger; `agent` - the name every entry carries */
  constructor(logger: Logger, agent: string) {
    this.#logger = logger;
    this.#agent = agent;
  }

  /**
   * False when the orchestrator's logger drops `level` unread (`logger: false`,
   * or `debug`/`info` of the default console logger): the supervisor then
   * builds no entry for it (no message string, no fields).
   */
  enabled(level: keyof Logger): boolean {
    return !discards(this.#logger, level);
  }

  debug(fields: object, message?: string): void {
    if (this.enabled("debug")) this.#logger.debug({ agent: this.#agent, ...fields }, message);
  }

  info(fields: object, message?: string): void {
    if (this.enabled("info")) this.#logger.info({ agent: this.#agent, ...fields }, message);
  }

  warn(fields: object, message?: string): void {
    if (this.enabled("warn")) this.#logger.warn({ agent: this.#agent, ...fields }, message);
  }

  error(fields: object, message?: string): void {
    if (this.enabled("error")) this.#logger.error({ agent: this.#agent, ...fields }, message);
  }
}
