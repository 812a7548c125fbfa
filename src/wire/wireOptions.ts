import { BusError } from "../errors/BusError.js";
import type { PublishOptions } from "../bus/Bus.js";

/** Header names starting with this (any case) carry the bus's own metadata. */
const RESERVED_PREFIX = "ao-";

/**
 * Check the options of a publish or request for what every wire format can
 * carry (an envelope's metadata lines, transport headers): header names of
 * printable ASCII without `:` and not starting with `Ao-`; values and `source`
 * without CR or LF. The options must have passed `publishOptionsError`
 * (an object, string values).
 *
 * @returns a `BusError` `INVALID_OPTION` naming the option, or `undefined` when fine
 */
export function wireOptionsError(options: PublishOptions, operation: "publish" | "request"): BusError | undefined {
  const fail = (message: string): BusError => new BusError("INVALID_OPTION", `${operation}: ${message}`);
  const { headers, source } = options;
  if (source !== undefined && /[\r\n]/.test(source)) {
    return fail(`expected \`source\` to have no line breaks (it travels on a metadata line), got ${JSON.stringify(source)}`);
  }
  if (headers === undefined) return undefined;
  for (const key in headers) {
    if (!/^[!-9;-~]+$/.test(key)) {
      return fail(`header name ${JSON.stringify(key)} cannot travel with a message: names are printable ASCII without spaces or ":"`);
    }
    if (key.toLowerCase().startsWith(RESERVED_PREFIX)) {
      return fail(`header name ${JSON.stringify(key)} is reserved: names starting with "Ao-" carry the bus's own metadata`);
    }
    const value = headers[key] as string;
    if (/[\r\n]/.test(value)) return fail(`expected \`headers.${key}\` to have no line breaks (it travels on a metadata line), got ${JSON.stringify(value)}`);
  }
  return undefined;
}
