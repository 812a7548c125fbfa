import { InvalidStateData, object, validateRecord } from "./validateRecord.js";
import type { TriggerRecord } from "./TriggerStore.js";

/** The `format` field of a trigger state file. */
export const STATE_FORMAT = "agent-orchestrator/trigger-state";
/** The `version` of the file format this library writes and reads. */
export const STATE_VERSION = 1;

/** A trigger state file, read and checked. */
export interface StateDocument {
  /** Counts the writes: +1 for each. */
  readonly sequence: number;
  /** When it was written (ISO 8601). */
  readonly savedAt: string;
  readonly records: Map<string, TriggerRecord>;
}

/** What {@link decodeStateFile} found. */
export type DecodedState =
  | { readonly ok: true; readonly document: StateDocument }
  | { readonly ok: false; readonly reason: "corrupt" | "newer-version"; readonly message: string };

/**
 * Parse and check the text of a trigger state file: the header, then every
 * record's shape. Never throws: a text that is not such a file is `corrupt`
 * (with what was wrong and where), one written in a newer format version is
 * `newer-version` (not corrupt: a newer library reads it).
 */
export function decodeStateFile(text: string): DecodedState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: "corrupt", message: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  try {
    const root = object(parsed, "the document", "an object");
    if (root["format"] !== STATE_FORMAT) throw new InvalidStateData("format", JSON.stringify(STATE_FORMAT), root["format"]);
    const version = root["version"];
    if (typeof version === "number" && Number.isSafeInteger(version) && version > STATE_VERSION) {
      return { ok: false, reason: "newer-version", message: `format version ${version}; this version of the library reads version ${STATE_VERSION}` };
    }
    if (version !== STATE_VERSION) throw new InvalidStateData("version", String(STATE_VERSION), version);
    const sequence = root["sequence"];
    if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 0) throw new InvalidStateData("sequence", "a non-negative integer", sequence);
    const savedAt = root["savedAt"];
    if (typeof savedAt !== "string" || Number.isNaN(Date.parse(savedAt))) throw new InvalidStateData("savedAt", "an ISO 8601 instant", savedAt);
    const records = new Map<string, TriggerRecord>();
    for (const [key, value] of Object.entries(object(root["records"], "records", "an object of records by key"))) {
      records.set(key, validateRecord(value, `records[${JSON.stringify(key)}]`));
    }
    return { ok: true, document: { sequence, savedAt, records } };
  } catch (error) {
    if (error instanceof InvalidStateData) return { ok: false, reason: "corrupt", message: error.message };
    throw error;
  }
}

/** The text of one record in the file: `"<key>":<record JSON>`. Cached per record by the file store. */
export function encodeRecordEntry(key: string, record: TriggerRecord): string {
  return `${JSON.stringify(key)}:${JSON.stringify(record)}`;
}

/** The whole file: the header, then one record entry (from {@link encodeRecordEntry}) a line. */
export function encodeStateFile(sequence: number, savedAt: string, entries: readonly string[]): string {
  const header = `{"format":${JSON.stringify(STATE_FORMAT)},"version":${STATE_VERSION},"sequence":${sequence},"savedAt":${JSON.stringify(savedAt)},"records":{`;
  return entries.length === 0 ? `${header}}}\n` : `${header}\n${entries.join(",\n")}\n}}\n`;
}
