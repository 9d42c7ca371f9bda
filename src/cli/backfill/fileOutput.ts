import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../UsageError.js';
import type { BackfillOutput } from './BackfillOutput.js';

/** The output file, cut back to `keepBytes` (the end of the last recorded line) and appended to. */
export async function fileOutput(path: string, keepBytes: number): Promise<BackfillOutput> {
  let handle: FileHandle;
  if (keepBytes > 0) {
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size < keepBytes) {
      throw new UsageError(`${JSON.stringify(path)} is shorter than its backfill state says (${size} < ${keepBytes} bytes): it was changed since. Pass \`--overwrite\` to start over.`, {
        showHelpHint: false,
      });
    }
    await truncate(path, keepBytes);
    handle = await open(path, 'a');
  } else {
    handle = await open(path, 'w');
  }
  return {
    async write(text) {
      if (text.length === 0) return 0;
      const buffer = Buffer.from(text);
      await handle.appendFile(buffer);
      return buffer.length;
    },
    async close() {
      await handle.close().catch(() => undefined);
    },
  };
}
