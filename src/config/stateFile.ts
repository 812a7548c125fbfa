import { dirname, resolve } from "node:path";

/**
 * The absolute path of `state.file`: a relative path resolves against the
 * directory of the configuration file it was written in (like `module:`), or
 * against the working directory for a configuration given in code (no file).
 *
 * @example
 * ```ts
 * resolveStateFile("./var/orchestrator-state.json", "/srv/app/orchestrator.yaml");
 * // "/srv/app/var/orchestrator-state.json"
 * ```
 */
export function resolveStateFile(file: string, configFile: string | undefined): string {
  return resolve(configFile === undefined ? process.cwd() : dirname(configFile), file);
}
