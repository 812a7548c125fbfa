const MAX_LENGTH = 80;

/** A short, readable rendering of a configuration value for error messages. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return truncate(JSON.stringify(value));
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "function":
      return "a function";
    default:
      break;
  }
  if (value === null) return "null";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : `Date(${value.toISOString()})`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return truncate(json);
  } catch {
    // circular or not serialisable: fall through to a generic description
  }
  return Array.isArray(value) ? "an array" : "an object";
}

function truncate(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
