import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const limiterModule = fileURLToPath(new URL('../../src/exotel/createQuotaLimiter.ts', import.meta.url));

describe('createQuotaLimiter in a real process', () => {
  // Real time, but short: a 150 ms window. The process must not exit while a job waits for quota.
  it('keeps the process alive while a job waits for a slot, and lets it exit once idle', async () => {
    const script = `
      import { createQuotaLimiter } from ${JSON.stringify(limiterModule)};
      const limiter = createQuotaLimiter({ maxRequestsPerMinute: 2, windowMs: 150, marginMs: 0 });
      const done = [];
      for (let i = 0; i < 5; i++) limiter.schedule(async () => { done.push(i); if (done.length === 5) console.log('all ' + done.join(',')); });
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe('all 0,1,2,3,4');
  });
});
