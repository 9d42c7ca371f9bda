import { once } from 'node:events';
import type { CliContext } from '../context.js';
import type { BackfillOutput } from './BackfillOutput.js';

/** Standard output; `onClosed` is told when the reader goes away (`| head`), and later writes are dropped. */
export function stdoutOutput(context: CliContext, onClosed: () => void): BackfillOutput {
  let closed = false;
  const closedSignal = new AbortController();
  const onError = () => {
    closed = true;
    closedSignal.abort();
    onClosed();
  };
  context.stdout.on('error', onError);
  return {
    async write(text) {
      if (text.length === 0 || closed) return 0;
      if (!context.stdout.write(text)) await once(context.stdout, 'drain', { signal: closedSignal.signal }).catch(() => undefined);
      return Buffer.byteLength(text);
    },
    async close() {
      context.stdout.off('error', onError);
    },
  };
}
