import { open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Replace the file at `path` with `text` so that a reader (or a restart after
 * a crash at any instant) finds either the old file or the new one, whole:
 * write `temporary` (a file in the same directory), fsync it, rename it over
 * `path`, fsync the directory so the rename itself survives a power loss.
 * On failure the temporary file is removed and `path` is left as it was.
 */
export async function atomicWrite(path: string, temporary: string, text: string): Promise<void> {
  try {
    const handle = await open(temporary, "w", 0o644);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** fsync a directory, so a rename or a new file in it is durable. Platforms that cannot (Windows) skip it. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, "r");
  } catch (error) {
    if (cannotSyncDirectories(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!cannotSyncDirectories(error)) throw error;
  } finally {
    await handle.close();
  }
}

function cannotSyncDirectories(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EISDIR" || code === "EPERM" || code === "EINVAL";
}
