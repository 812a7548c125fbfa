/**
 * Who may act through the status page: the host's hook, given the request,
 * returns a name for who acted (it goes into the log line of the action), or
 * `false` to refuse. The library has no users or passwords of its own.
 *
 * @example
 * ```ts
 * const authorize: StatusAuthorize = (request) => request.headers.get("x-forwarded-user") ?? false;
 * ```
 */
export type StatusAuthorize = (request: Request) => string | false | Promise<string | false>;

/** The orchestrator's `status` option: the status page (`/statusz`, `orch.statusHandler`). */
export interface StatusOptions {
  /**
   * Turns on the page's operator actions (restart, disable, enable an agent;
   * pause, resume, run a trigger now): each `POST` is allowed when the hook
   * returns a name. Without it the page is read-only and says so.
   * @default undefined (read-only)
   */
  authorize?: StatusAuthorize;
  /**
   * Show the last error's message on the page and in its JSON (never a stack).
   * Off by default: an error message may carry what an operator's screen
   * should not.
   * @default false
   */
  showErrors?: boolean;
}
