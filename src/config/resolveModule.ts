import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const RELATIVE = /^\.\.?(?:[/\\]|$)/;

/** A module specifier made absolute, or why it cannot be. */
export type ModuleResolution = { readonly specifier: string } | { readonly problem: string };

/**
 * Make `agents.<name>.module` absolute: a relative path (`./x.js`, `../x.js`) is
 * resolved against the directory of `configFile` into a `file:` URL, an absolute
 * path becomes a `file:` URL, a `file:` URL stays, and a bare package specifier
 * (`@acme/agents/market`) is kept as written. Relative paths resolve against
 * the configuration file only, never the working directory.
 */
export function resolveModuleSpecifier(specifier: string, configFile: string | undefined): ModuleResolution {
  if (RELATIVE.test(specifier)) {
    if (configFile === undefined) {
      return {
        problem: "a relative module path needs a configuration file to resolve against (use loadConfig), an absolute path or a file: URL",
      };
    }
    return { specifier: pathToFileURL(resolve(dirname(configFile), specifier)).href };
  }
  if (isAbsolute(specifier)) return { specifier: pathToFileURL(specifier).href };
  if (URL_SCHEME.test(specifier)) {
    if (!specifier.toLowerCase().startsWith("file:")) {
      return { problem: "only file: URLs, paths and package names are accepted" };
    }
    try {
      return { specifier: new URL(specifier).href };
    } catch {
      return { problem: "it is not a valid file: URL" };
    }
  }
  return { specifier };
}
