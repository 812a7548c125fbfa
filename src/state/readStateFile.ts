import { lstat, readFile, rename } from "node:fs/promises";
import { StoreError } from "../errors/StoreError.js";
import { decodeStateFile } from "./triggerStateFile.js";
import type { StoreProblem, TriggerRecord } from "./TriggerStore.js";

/** What a file store starts from. */
export interface LoadedState {
  readonly records: Map<string, TriggerRecord>;
  /** The file's `sequence` (0 when there was none): the next write is `sequence + 1`. */
  readonly sequence: number;
  readonly problem?: StoreProblem;
}

const MAX_ASIDE_SUFFIX = 100;

/**
 * Read the trigger state file at `path`. A missing file is empty state. A
 * file that is not a valid trigger state file is moved aside to
 * `<path>.corrupt-<timestamp>` and reported as a `STORE_CORRUPT` problem with
 * empty state. Data that could not be read is never replaced.
 *
 * @param store - the store's description, for errors
 * @param now - the time for the moved file's name, ms since the epoch
 * @throws StoreError `STORE_READ_FAILED` when the file cannot be read, or cannot be moved aside
 * @throws StoreError `STORE_VERSION_UNSUPPORTED` for a file of a newer format version
 */
export async function readStateFile(path: string, store: string, now: number): Promise<LoadedState> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return { records: new Map(), sequence: 0 };
    throw new StoreError("STORE_READ_FAILED", store, `could not read the trigger state file ${path} (${reasonOf(error)}); it is left as it is and nothing was started from it`, { cause: error });
  }
  const decoded = decodeStateFile(text);
  if (decoded.ok) return { records: decoded.document.records, sequence: decoded.document.sequence };
  if (decoded.reason === "newer-version") {
    throw new StoreError("STORE_VERSION_UNSUPPORTED", store, `the trigger state file ${path} has ${decoded.message}; it is left as it is: run a newer version of the library, or move the file away to start with empty state`);
  }
  const movedTo = await moveAside(path, store, now, decoded.message);
  const message = `the trigger state file ${path} is not valid (${decoded.message}); it was moved to ${movedTo} and the store starts with empty trigger state`;
  return { records: new Map(), sequence: 0, problem: { code: "STORE_CORRUPT", message, movedTo } };
}

/** `<path>.corrupt-<ISO timestamp with - for : and .>`, with `-2`, `-3`, ... when that name is taken. */
async function moveAside(path: string, store: string, now: number, what: string): Promise<string> {
  const base = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, "-")}`;
  try {
    for (let suffix = 1; suffix <= MAX_ASIDE_SUFFIX; suffix++) {
      const target = suffix === 1 ? base : `${base}-${suffix}`;
      if (await exists(target)) continue;
      await rename(path, target);
      return target;
    }
    throw new Error(`${base} and ${MAX_ASIDE_SUFFIX - 1} numbered variants exist`);
  } catch (error) {
    throw new StoreError(
      "STORE_READ_FAILED",
      store,
      `the trigger state file ${path} is not valid (${what}) and could not be moved aside to ${base} (${reasonOf(error)}); it is left as it is and nothing was started from it`,
      { cause: error },
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (codeOf(error) === "ENOENT") return false;
    throw error;
  }
}

/** The `code` of a file system error, when it has one. */
export function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** A file system error in a few words: `EACCES: permission denied, open '…'`. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
