// The plain examples, run exactly as the README says: `npx tsx examples/<file>`, as child processes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const runExample = (file: string) => run(process.execPath, ['--import', 'tsx', `examples/${file}`], { cwd: root, timeout: 60_000 });

describe('examples run as documented', () => {
  it('subscribe.ts prints four calls and the correction of one, then exits by itself', async () => {
    const { stdout } = await runExample('subscribe.ts');
    const lines = stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('callCompleted'))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith('callFailed'))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('callUpdated'))).toMatch(/changed price/);
  });

  it('custom-pipeline.ts prints the completed calls its own pipeline found, then exits by itself', async () => {
    const { stdout } = await runExample('custom-pipeline.ts');
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z \+\d+ → \+\d+: \d+s, [\d.]+$/);
  });
});
