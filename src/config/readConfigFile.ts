import { open, type FileHandle } from "node:fs/promises";
import { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";

/**
 * Largest configuration file `loadConfig()` reads, in bytes (1 MiB). A
 * configuration is kilobytes; anything larger is refused before it is parsed,
 * so parsing never costs more than a bounded moment of the event loop.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const LIMIT = MAX_CONFIG_BYTES.toLocaleString("en-US");

/**
 * Read `file` as UTF-8, refusing it with a {@link ConfigError} when it holds more
 * than {@link MAX_CONFIG_BYTES}. The size is checked before reading, and the read
 * itself stops one byte past the limit, so a file that grows meanwhile, a FIFO
 * or a device (`/dev/zero`) is never read further than that.
 */
export async function readConfigFile(file: string): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    throw cannotRead(file, error);
  }
  try {
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch (error) {
      throw cannotRead(file, error);
    }
    if (size > MAX_CONFIG_BYTES) throw configTooLarge(file, size, true);
    const buffer = Buffer.allocUnsafe(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, length, buffer.length - length, null));
      } catch (error) {
        throw cannotRead(file, error);
      }
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) throw configTooLarge(file, length, false);
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The error for a configuration of `bytes` bytes, over {@link MAX_CONFIG_BYTES}:
 * `exact` when `bytes` is its whole size, else it holds at least that many.
 */
export function configTooLarge(file: string, bytes: number, exact: boolean): ConfigError {
  const reason = exact
    ? `the configuration is too large: ${bytes.toLocaleString("en-US")} bytes, over the limit of ${LIMIT} bytes (1 MiB, MAX_CONFIG_BYTES)`
    : `the configuration is too large: it holds more than the limit of ${LIMIT} bytes (1 MiB, MAX_CONFIG_BYTES; reading stopped there)`;
  return new ConfigError(
    `${reason}; expected a configuration file of at most that size (a configuration is kilobytes)`,
    { file, value: bytes },
  );
}

function cannotRead(file: string, error: unknown): ConfigError {
  return new ConfigError(`cannot read the configuration file: ${describeThrown(error)}`, { file, cause: error });
}
