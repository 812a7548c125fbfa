import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { configErrorAt } from "../config/ConfigSource.js";
import type { OrchestratorConfig } from "../config/OrchestratorConfig.js";
import type { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";

/**
 * What importing one `agents.<name>.module` found: it loaded; it cannot be
 * found (an error, as `start()` would fail on it anywhere); or it exists but
 * cannot be imported where the check runs (a warning: the app may have a
 * loader, a build or an environment the CLI does not).
 */
export type ModuleImport =
  | { readonly kind: "imported" }
  | { readonly kind: "missing"; readonly error: ConfigError }
  | { readonly kind: "unimportable"; readonly warning: string };

/** The codes Node.js gives a module that cannot be found (`import()` and `require()`). */
const NOT_FOUND_CODES = new Set(["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"]);

/**
 * Import `specifier` (as `loadConfig` resolved `agents.<name>.module`: a
 * `file:` URL or a package specifier) and say whether the module itself is
 * missing. For a `file:` URL that is whether the file exists; for a package
 * specifier, whether Node.js's not-found error names the specifier itself or
 * its package, rather than something the module imports.
 */
export async function importAgentModule(name: string, specifier: string, config: OrchestratorConfig): Promise<ModuleImport> {
  const missing = (reason: string): ModuleImport => ({
    kind: "missing",
    error: configErrorAt(config, `agents.${name}.module`, `agent "${name}": module ${JSON.stringify(specifier)} cannot be found: ${reason}`, { value: specifier }),
  });
  const file = specifier.toLowerCase().startsWith("file:") ? fileURLToPath(specifier) : undefined;
  if (file !== undefined) {
    const found = await stat(file).catch(() => undefined);
    if (found === undefined) return missing(`there is no file ${file}`);
    if (!found.isFile()) return missing(`${file} is not a file`);
  }
  try {
    await import(specifier);
    return { kind: "imported" };
  } catch (error) {
    if (file === undefined && isNotFound(error) && namesItself(missingSpecifier(error), specifier)) return missing(describeThrown(error));
    return {
      kind: "unimportable",
      warning: `warning: agent "${name}": module ${JSON.stringify(specifier)} exists but cannot be imported here (${why(error, file)}), so its export, onCron and config schema were not checked: ${describeThrown(error)}`,
    };
  }
}

/** Why a module that exists did not import: a missing loader, a missing dependency, or its own code threw. */
function why(error: unknown, file: string | undefined): string {
  if (codeOf(error) === "ERR_UNKNOWN_FILE_EXTENSION") {
    const extension = file === undefined ? "its" : JSON.stringify(extname(file));
    return `Node.js has no loader for ${extension} files here: run the CLI with the loader the app uses, e.g. node --import tsx`;
  }
  if (isNotFound(error)) {
    const dependency = missingSpecifier(error);
    return `a module it needs${dependency === undefined ? "" : `, ${JSON.stringify(dependency)},`} cannot be found from it`;
  }
  return "it threw while being imported";
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

function isNotFound(error: unknown): boolean {
  const code = codeOf(error);
  return typeof code === "string" && NOT_FOUND_CODES.has(code);
}

/** The specifier a not-found error names: `Cannot find package 'x' …`, `Cannot find module 'x' …`. */
function missingSpecifier(error: unknown): string | undefined {
  return /^Cannot find (?:package|module) '([^']+)'/.exec(describeThrown(error))?.[1];
}

/** Whether `missing` is the package specifier `specifier` itself or its package (`@scope/name`, `name`). */
function namesItself(missing: string | undefined, specifier: string): boolean {
  if (missing === undefined) return false;
  const segments = specifier.split("/");
  const packageName = segments.slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
  return missing === specifier || missing === packageName;
}
