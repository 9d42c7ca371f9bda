// `npm start` builds only when dist/ is missing or older than its sources.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without declarations
import { buildIsStale } from '../../scripts/buildIsStale.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

describe('buildIsStale (npm start)', () => {
  it('builds when dist is missing or older than a source, and not when it is newer than all of them', () => {
    const root = mkdtempSync(join(tmpdir(), 'start-'));
    dirs.push(root);
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), '');
    writeFileSync(join(root, 'package.json'), '{}');
    at(join(root, 'src', 'cli', 'main.ts'), 1_000);
    at(join(root, 'package.json'), 1_000);
    expect((buildIsStale as (root: string) => boolean)(root)).toBe(true);
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', 'cli.js'), '');
    at(join(root, 'dist', 'cli.js'), 2_000);
    expect(buildIsStale(root)).toBe(false);
    // A source edited after the build, however deep.
    at(join(root, 'src', 'cli', 'main.ts'), 3_000);
    expect(buildIsStale(root)).toBe(true);
    at(join(root, 'src', 'cli', 'main.ts'), 1_000);
    at(join(root, 'package.json'), 2_500);
    expect(buildIsStale(root)).toBe(true);
  });
});
