/**
 * Operator actions on one agent take effect one after the other: each waits
 * for the one in progress (a `disable()` issued while a `restart()` is still
 * stopping the agent runs after it), so a later action is never undone by an
 * earlier one.
 */
export class OperatorQueue {
  /** The action in progress, settled or not: the next one waits for it. */
  #last: Promise<void> | undefined;

  /** Run `action` after the action in progress, if any; at once otherwise. Resolves or rejects as `action`. */
  run(action: () => Promise<void>): Promise<void> {
    const previous = this.#last;
    const result = previous === undefined ? action() : previous.then(action);
    const done: Promise<void> = result
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        if (this.#last === done) this.#last = undefined;
      });
    this.#last = done;
    return result;
  }
}
