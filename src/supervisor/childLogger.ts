import type { Logger } from "../logger.js";

/** A logger whose entries carry `{ agent }` (what an agent's `this.log` is). */
export function childLogger(logger: Logger, agent: string): Logger {
  return {
    debug: (fields, message) => logger.debug({ agent, ...fields }, message),
    info: (fields, message) => logger.info({ agent, ...fields }, message),
    warn: (fields, message) => logger.warn({ agent, ...fields }, message),
    error: (fields, message) => logger.error({ agent, ...fields }, message),
  };
}
