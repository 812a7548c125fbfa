/** The fields of a cron expression, as messages name them. */
export type CronFieldName = "second" | "minute" | "hour" | "day of month" | "month" | "day of week";

/**
 * A cron expression refused, with the reason in the library's words (never the
 * parser's). The message is the reason only; callers say where the expression
 * was found (a {@link ConfigError} with its key path).
 */
export class CronExpressionError extends Error {
  override name = "CronExpressionError";
  /** The field at fault, when one is. */
  readonly field: CronFieldName | undefined;

  constructor(reason: string, field?: CronFieldName) {
    super(reason);
    this.field = field;
  }
}
