/**
 * How deep a configuration may nest, counted from its top: `agents` is level 1,
 * `agents.feed` level 2, `agents.feed.config` level 3, and so on. Deeper input
 * is refused with a `ConfigError` naming where, before anything walks it: no
 * code here recurses as deep as the input asks.
 */
export const MAX_CONFIG_DEPTH = 100;

/** Where a YAML text first nests deeper than allowed. */
export interface DeepYamlPosition {
  readonly line: number;
  readonly column: number;
}

const BLOCK_SCALAR = /(?:^|[\s:-])[|>][-+0-9]*\s*(?:#.*)?$/;

/**
 * Scan a YAML text, without parsing it, for nesting deeper than `limit`:
 * flow collections (`[`, `{`) are counted exactly, block collections by their
 * indentation and leading `- ` / `? ` markers (which can only over-count, so the
 * limit given is a guard for the parser, not the exact rule, which
 * {@link deepestPath} applies to the parsed value). Returns the first position
 * past the limit, or `undefined`. Linear in the text's length.
 */
export function findDeepYaml(text: string, limit: number): DeepYamlPosition | undefined {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent = -1;
  let quote: '"' | "'" | undefined;
  let lineNumber = 0;
  let blockDepth = 0;
  for (const line of text.split(/\r?\n/)) {
    lineNumber++;
    let start = 0;
    while (start < line.length && (line[start] === " " || line[start] === "\t")) start++;
    const blank = start === line.length || line[start] === "#";
    if (blockScalarIndent >= 0) {
      if (blank || start > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (blank && quote === undefined) continue;
    if (flow === 0 && quote === undefined) {
      while (indents.length > 0 && (indents[indents.length - 1] as number) >= start) indents.pop();
      indents.push(start);
      let markers = 0;
      let i = start;
      while (i + 1 < line.length && (line[i] === "-" || line[i] === "?") && (line[i + 1] === " " || line[i + 1] === "\t")) {
        markers++;
        i += 2;
        while (i < line.length && line[i] === " ") i++;
      }
      blockDepth = indents.length + markers;
      if (blockDepth > limit) return { line: lineNumber, column: start + 1 };
    }
    for (let i = start; i < line.length; i++) {
      const c = line[i];
      if (quote !== undefined) {
        if (quote === '"' && c === "\\") i++;
        else if (c === quote) {
          if (quote === "'" && line[i + 1] === "'") i++;
          else quote = undefined;
        }
        continue;
      }
      if (c === "#" && (i === 0 || line[i - 1] === " " || line[i - 1] === "\t")) break;
      if (c === '"' || c === "'") {
        // a quote opens a scalar only where a scalar can begin
        const before = i === start ? " " : line[i - 1];
        if (before === " " || before === "\t" || before === "[" || before === "{" || before === "," || before === ":") quote = c;
        continue;
      }
      if (c === "[" || c === "{") {
        flow++;
        if (blockDepth + flow > limit) return { line: lineNumber, column: i + 1 };
      } else if ((c === "]" || c === "}") && flow > 0) {
        flow--;
      }
    }
    if (flow === 0 && quote === undefined && BLOCK_SCALAR.test(line)) blockScalarIndent = start;
  }
  return undefined;
}

/**
 * The first path in `value` nested deeper than `limit` levels below `path`
 * (whose own depth is `baseDepth`), or `undefined`. Iterative: as deep as the
 * input goes, this never grows the call stack. Objects met twice are walked once.
 */
export function deepestPath(value: unknown, path: string, baseDepth: number, limit: number, child: (path: string, key: string | number) => string): string | undefined {
  const seen = new Set<object>();
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path, depth: baseDepth }];
  while (stack.length > 0) {
    const entry = stack.pop() as { value: unknown; path: string; depth: number };
    const node = entry.value;
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    seen.add(node);
    if (entry.depth >= limit) {
      const keys = Array.isArray(node) ? node.length : Object.keys(node).length;
      if (keys > 0) return entry.path;
      continue;
    }
    if (Array.isArray(node)) {
      node.forEach((item: unknown, index) => stack.push({ value: item, path: child(entry.path, index), depth: entry.depth + 1 }));
    } else {
      for (const key of Object.keys(node)) stack.push({ value: (node as Record<string, unknown>)[key], path: child(entry.path, key), depth: entry.depth + 1 });
    }
  }
  return undefined;
}
