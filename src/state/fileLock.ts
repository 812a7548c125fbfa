import { randomBytes } from "node:crypto";
import { link, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";

/** Who holds a lock file: written into it as JSON. */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** `performance.timeOrigin` of the holding process: tells a process from an earlier one with the same pid. */
  readonly processStart: number;
  /** When the lock was taken, ms since the epoch. */
  readonly since: number;
  /** Random: tells this lock from any other, so a store releases only its own. */
  readonly token: string;
}

/** What {@link acquireLock} found: the lock is ours, or someone else's (alive, or on another host). */
export type LockResult = { readonly acquired: true; readonly holder: LockHolder } | { readonly acquired: false; readonly holder: LockHolder };

const ATTEMPTS = 5;

/**
 * Take the lock file `path` for this process, holding its pid, hostname and
 * start. The file is created whole and exclusively (written beside it, then
 * hard-linked into place: the link fails when the lock exists). A lock whose
 * holder is a process of this host that no longer runs (killed with
 * `kill -9`, say) is stale and taken over; one held by a live process (this
 * one included: a second store object on the same file) or by another host
 * is not.
 *
 * @param now - the time to write as `since`
 * @throws the file system's error when the lock cannot be written or read
 */
export async function acquireLock(path: string, now: number): Promise<LockResult> {
  const mine: LockHolder = { pid: process.pid, hostname: hostname(), processStart: performance.timeOrigin, since: now, token: randomBytes(8).toString("hex") };
  const draft = `${path}.${process.pid}-${mine.token}`;
  await writeFile(draft, `${JSON.stringify(mine)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await linkNew(draft, path)) return { acquired: true, holder: mine };
      const text = await readFile(path, "utf8").catch(missingAsUndefined);
      if (text === undefined) continue;   // released meanwhile: try again
      const holder = parseHolder(text);
      if (holder !== undefined && (await isAlive(holder))) return { acquired: false, holder };
      if (!(await removeStale(path, text))) continue;
    }
    const text = await readFile(path, "utf8").catch(missingAsUndefined);
    const holder = text === undefined ? undefined : parseHolder(text);
    return { acquired: false, holder: holder ?? { pid: 0, hostname: "unknown", processStart: 0, since: 0, token: "" } };
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/** Remove the lock file `path` when it is still `holder`'s (never someone else's that took it over). */
export async function releaseLock(path: string, holder: LockHolder): Promise<void> {
  const text = await readFile(path, "utf8").catch(missingAsUndefined);
  const current = text === undefined ? undefined : parseHolder(text);
  if (current !== undefined && sameHolder(current, holder)) await unlink(path).catch(missingAsUndefined);
}

async function linkNew(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Move the stale lock (whose text was `staleText`) out of the way. Two
 * processes may find the same stale lock: the rename moves it for one only;
 * one that moved a fresh lock taken meanwhile puts it back and tries again.
 */
async function removeStale(path: string, staleText: string): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch (error) {
    missingAsUndefined(error);
    return false;
  }
  const moved = await readFile(aside, "utf8").catch(missingAsUndefined);
  if (moved !== staleText) await linkNew(aside, path);
  await unlink(aside).catch(missingAsUndefined);
  return moved === staleText;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Record<keyof LockHolder, unknown>>;
    const { pid, hostname: host, processStart, since, token } = value;
    if (typeof pid !== "number" || typeof host !== "string" || typeof processStart !== "number" || typeof since !== "number" || typeof token !== "string") return undefined;
    return { pid, hostname: host, processStart, since, token };
  } catch {
    return undefined;
  }
}

/** Whether the holder may still be running: another host's cannot be checked, so it counts as alive. */
async function isAlive(holder: LockHolder): Promise<boolean> {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return holder.processStart === performance.timeOrigin;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM";
  }
  return !(await isZombie(holder.pid));
}

/**
 * True when `pid` has exited but was not reaped yet (Linux: state `Z` or `X`
 * in `/proc/<pid>/stat`), as a process killed with `kill -9` whose parent does
 * not wait for it stays. Elsewhere, or when it cannot tell, false.
 */
async function isZombie(pid: number): Promise<boolean> {
  if (process.platform !== "linux") return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return false;
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.token === b.token && a.pid === b.pid && a.hostname === b.hostname;
}

function missingAsUndefined(error: unknown): undefined {
  if ((error as { code?: unknown } | null)?.code === "ENOENT") return undefined;
  throw error;
}
