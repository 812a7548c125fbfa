/** A short description of a bad value for an error message: `number -1`, `"a b"`, `an object`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "function":
      return "a function";
    case "object":
      if (value === null) return "null";
      return Array.isArray(value) ? "an array" : "an object";
    case "symbol":
      return value.toString();
    case "number":
    case "bigint":
    case "boolean":
      return `${typeof value} ${value}`;
    case "undefined":
      return "undefined";
  }
}
