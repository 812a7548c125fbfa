// The types of Standard Schema v1 (https://standardschema.dev), the interface
// zod, valibot, arktype and effect/schema implement. Copied from the
// specification's `@standard-schema/spec` (MIT licence, © the Standard Schema
// authors), as the specification invites, so the package depends on no schema
// library; the namespace's members are flattened into named interfaces (same
// shapes, so every implementation is assignable to them).

/**
 * A Standard Schema v1: any object with a `~standard` property of this shape
 * (a zod, valibot or arktype schema, or one written by hand).
 *
 * @typeParam Input - what the schema accepts
 * @typeParam Output - what it produces (after transforms and defaults)
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly "~standard": StandardSchemaV1Props<Input, Output>;
}

/** The `~standard` property of a {@link StandardSchemaV1}. */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  /** The version of the specification: 1. */
  readonly version: 1;
  /** The schema library's name ("zod", "valibot", …). */
  readonly vendor: string;
  /** Validate an unknown value: the output, or the issues found; synchronously or as a promise. */
  readonly validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** The inferred types (for type inference only: absent at run time). */
  readonly types?: StandardSchemaV1Types<Input, Output> | undefined;
}

/** What {@link StandardSchemaV1Props.validate} returns. */
export type StandardSchemaV1Result<Output> = StandardSchemaV1SuccessResult<Output> | StandardSchemaV1FailureResult;

/** A successful validation. */
export interface StandardSchemaV1SuccessResult<Output> {
  /** The output value. */
  readonly value: Output;
  /** No issues. */
  readonly issues?: undefined;
}

/** A failed validation. */
export interface StandardSchemaV1FailureResult {
  /** The issues found. */
  readonly issues: ReadonlyArray<StandardSchemaV1Issue>;
}

/** One issue of a failed validation. */
export interface StandardSchemaV1Issue {
  /** What is wrong, in the schema library's words. */
  readonly message: string;
  /** Where, as keys from the validated value's root. */
  readonly path?: ReadonlyArray<PropertyKey | StandardSchemaV1PathSegment> | undefined;
}

/** One segment of a {@link StandardSchemaV1Issue.path} given as an object. */
export interface StandardSchemaV1PathSegment {
  /** The key of the segment. */
  readonly key: PropertyKey;
}

/** The input and output types a schema declares. */
export interface StandardSchemaV1Types<Input = unknown, Output = Input> {
  /** What the schema accepts. */
  readonly input: Input;
  /** What it produces. */
  readonly output: Output;
}

/**
 * The input type of a Standard Schema: what an agent's `config:` may be written as.
 *
 * @example
 * ```ts
 * type FeedInput = InferInput<typeof feedConfig>;
 * ```
 */
export type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["input"];

/**
 * The output type of a Standard Schema: what `this.config` holds for an agent
 * class that declares it as its `configSchema`.
 *
 * @example
 * ```ts
 * const feedConfig = z.object({ symbols: z.array(z.string()).min(1) });
 * class Feed extends Agent<InferOutput<typeof feedConfig>> {
 *   static readonly configSchema = feedConfig;
 * }
 * ```
 */
export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["output"];
