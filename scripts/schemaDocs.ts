// Adds descriptions and defaults to the generated JSON Schema of orchestrator.yaml, read from the TSDoc of
// the configuration's fields (src/config/configShape.ts, and the trigger specs of src/schedule) through the
// TypeScript compiler API: the public config types are inferred from the shape and keep the fields' TSDoc,
// so walking the schema beside the type `OrchestratorConfig` finds each key's documentation. Build time only.
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { JsonSchema } from "../src/config/jsonSchemaParts.js";

const CONFIG_TYPES = fileURLToPath(new URL("../src/config/OrchestratorConfig.ts", import.meta.url));

/** The documentation of one key: its TSDoc text and its `@default`. */
interface KeyDoc {
  readonly description: string;
  readonly defaultText: string | undefined;
}

/** `schema` with a `description` (and a `default` where the TSDoc's `@default` is a value) on every documented key. */
export function annotateSchema(schema: JsonSchema): JsonSchema {
  const program = ts.createProgram([CONFIG_TYPES], { strict: true, exactOptionalPropertyTypes: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(CONFIG_TYPES);
  const moduleSymbol = file === undefined ? undefined : checker.getSymbolAtLocation(file);
  const root = moduleSymbol === undefined ? undefined : checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === "OrchestratorConfig");
  if (root === undefined) throw new Error(`OrchestratorConfig is not exported by ${CONFIG_TYPES}`);
  return annotate(schema, [checker.getDeclaredTypeOfSymbol(root)], checker);
}

/** The object types among `types` (unions opened, `undefined` dropped). */
function members(types: readonly ts.Type[]): ts.Type[] {
  return types.flatMap((type) => (type.isUnion() ? type.types : [type])).filter((type) => (type.flags & ts.TypeFlags.Object) !== 0 || type.isIntersection());
}

function annotate(schema: JsonSchema, types: readonly ts.Type[], checker: ts.TypeChecker): JsonSchema {
  const out: Record<string, unknown> = { ...schema };
  const candidates = members(types);
  const properties = schema["properties"] as Record<string, JsonSchema> | undefined;
  if (properties !== undefined) {
    const annotated: Record<string, JsonSchema> = {};
    for (const [key, property] of Object.entries(properties)) {
      const symbols = candidates.map((type) => type.getProperty(key)).filter((symbol): symbol is ts.Symbol => symbol !== undefined);
      const inner = annotate(property, symbols.map((symbol) => checker.getTypeOfSymbol(symbol)), checker);
      const doc = symbols.map((symbol) => keyDoc(symbol, checker)).find((found) => found.description !== "" || found.defaultText !== undefined);
      annotated[key] = doc === undefined ? inner : withDoc(inner, doc);
    }
    out["properties"] = annotated;
  }
  const additional = schema["additionalProperties"];
  if (typeof additional === "object" && additional !== null) {
    const values = candidates.map((type) => checker.getIndexTypeOfType(type, ts.IndexKind.String)).filter((type): type is ts.Type => type !== undefined);
    out["additionalProperties"] = annotate(additional as JsonSchema, values, checker);
  }
  const items = schema["items"];
  if (typeof items === "object" && items !== null) {
    const elements = candidates.filter((type) => checker.isArrayType(type)).map((type) => checker.getIndexTypeOfType(type, ts.IndexKind.Number)).filter((type): type is ts.Type => type !== undefined);
    out["items"] = annotate(items as JsonSchema, elements, checker);
  }
  const anyOf = schema["anyOf"];
  if (Array.isArray(anyOf)) out["anyOf"] = anyOf.map((branch: JsonSchema) => annotate(branch, types, checker));
  return out;
}

function keyDoc(symbol: ts.Symbol, checker: ts.TypeChecker): KeyDoc {
  // TSDoc lines are wrapped at the source's width: one paragraph per blank line
  const description = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim().replace(/(?<!\n)\n(?!\n)/g, " ");
  const tag = symbol.getJsDocTags(checker).find((found) => found.name === "default");
  return { description, defaultText: tag === undefined ? undefined : ts.displayPartsToString(tag.text).trim() };
}

/** The key's schema with its description, and its default when the `@default` text is a value. */
function withDoc(schema: JsonSchema, doc: KeyDoc): JsonSchema {
  const value = doc.defaultText === undefined ? undefined : parseDefault(doc.defaultText);
  const prose = doc.defaultText !== undefined && value === undefined ? `Default: ${doc.defaultText}.` : "";
  const description = [doc.description, prose].filter((part) => part !== "").join(" ");
  return { ...(description === "" ? {} : { description }), ...(value === undefined ? {} : { default: value.value }), ...schema };
}

/** A `@default` text read as a value (JSON, or an object literal with bare keys), else `undefined` (prose). */
function parseDefault(text: string): { value: unknown } | undefined {
  for (const candidate of [text, text.replace(/([{,]\s*)([A-Za-z_]\w*)\s*:/g, '$1"$2":')]) {
    try {
      return { value: JSON.parse(candidate) as unknown };
    } catch {
      // not this form
    }
  }
  return undefined;
}
