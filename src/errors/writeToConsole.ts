import { describeThrown } from "./describeThrown.js";

/**
 * `console.error(text, error)` that cannot throw: buses call it inside their
 * delivery loops and client callbacks, where a throw would stop delivery. A
 * value the console cannot print (a throwing `util.inspect.custom`, an error
 * whose `stack` getter throws) is written as {@link describeThrown}'s text instead.
 */
export function writeToConsole(text: string, error: unknown): void {
  try {
    console.error(text, error);
  } catch {
    try {
      console.error(`${text} ${describeThrown(error)}`);
    } catch {
      // a console that throws on plain text: nothing more can be said
    }
  }
}
