import { publishOptionsError } from "../bus/delivery/busOptions.js";
import type { PublishOptions } from "../bus/Bus.js";
import { BusError } from "../errors/BusError.js";
import { LEASE_TOKEN_HEADER } from "../lease/leaseTokenHeader.js";

/** A header name: printable ASCII without spaces or `:`. */
const HEADER_NAME = /^[!-9;-~]+$/;
const LINE_BREAK = /[\r\n]/;

/**
 * Check the options of a publish or request on a networked bus, in one pass
 * over the headers: what every Bus checks (`publishOptionsError`: an object,
 * string values), and what every wire format can carry (an envelope's
 * metadata lines, transport headers): header names of printable ASCII without
 * `:` and not starting with `Ao-` (but for `Ao-Lease-Token`, the fencing token
 * a singleton's messages carry); values and `source` without CR or LF. When
 * both kinds are wrong, the `publishOptionsError` one is returned.
 *
 * @returns a `BusError` `INVALID_OPTION` naming the option, or `undefined` when fine
 */
export function wireOptionsError(options: unknown, operation: "publish" | "request"): BusError | undefined {
  if (typeof options !== "object" || options === null || Array.isArray(options)) return publishOptionsError(options, operation);
  const { headers, source } = options as PublishOptions;
  if (source !== undefined && (typeof source !== "string" || LINE_BREAK.test(source))) {
    return publishOptionsError(options, operation) ?? refusal(operation, `expected \`source\` to have no line breaks (it travels on a metadata line), got ${JSON.stringify(source)}`);
  }
  if (headers === undefined) return undefined;
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return publishOptionsError(options, operation);
  for (const key in headers) {
    const value: unknown = headers[key];
    let problem: string | undefined;
    if (typeof value !== "string") problem = "";
    else if (!HEADER_NAME.test(key)) problem = `header name ${JSON.stringify(key)} cannot travel with a message: names are printable ASCII without spaces or ":"`;
    else if (isReserved(key)) problem = `header name ${JSON.stringify(key)} is reserved: names starting with "Ao-" carry the bus's own metadata (only ${LEASE_TOKEN_HEADER}, a singleton's fencing token, may be set)`;
    else if (LINE_BREAK.test(value)) problem = `expected \`headers.${key}\` to have no line breaks (it travels on a metadata line), got ${JSON.stringify(value)}`;
    // a wrong type anywhere (this header or a later one) is reported before what the wire cannot carry
    if (problem !== undefined) return publishOptionsError(options, operation) ?? refusal(operation, problem);
  }
  return undefined;
}

/** Whether a header name starts with `Ao-` in any case (the bus's own metadata), other than the lease token's. */
function isReserved(name: string): boolean {
  return name.length >= 3 && (name.charCodeAt(0) | 0x20) === 0x61 && (name.charCodeAt(1) | 0x20) === 0x6f && name.charCodeAt(2) === 0x2d && name !== LEASE_TOKEN_HEADER;
}

function refusal(operation: "publish" | "request", message: string): BusError {
  return new BusError("INVALID_OPTION", `${operation}: ${message}`);
}
