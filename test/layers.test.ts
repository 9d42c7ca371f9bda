/**
 * The layers of `src/` and which way they point (docs/architecture.md): a module imports only from
 * its own layer and the layers below it. The simulator stands apart: it takes the record types and
 * the zone-aware time helpers of `exotel/` and nothing else of the library, and no layer of the
 * library imports it (the CLI does, and its own entry point). `redis/` is the
 * `exotel-call-stream/redis` entry: the CLI imports it, the main barrel does not.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * Bottom first; the parts of one row stand side by side and import nothing of each other (the
 * wallboard and the sinks both take a `CallStreamLike`; the receiver of Exotel's callbacks feeds one;
 * redis runs a `CallStream` per leadership term). `index` is the package's barrel (`src/index.ts`).
 */
const LAYERS: readonly (readonly string[])[] = [['exotel'], ['engine'], ['stores'], ['operators'], ['stream'], ['wallboard', 'sinks', 'hints', 'redis'], ['index'], ['cli']];
/** The row of a part, or -1 when it is in none. */
const rankOf = (part: string): number => LAYERS.findIndex((row) => row.includes(part));
/** What the simulator may take from the library: the record types and time, nothing of the engine. */
const SIMULATOR_MAY_IMPORT: ReadonlySet<string> = new Set(['exotel/types.ts', 'exotel/time.ts']);
/** Who may import the simulator. */
const SIMULATOR_IMPORTERS: ReadonlySet<string> = new Set(['cli', 'simulator']);
/** Who may import `redis/`, an entry point of its own (`exotel-call-stream/redis`): not the main barrel. */
const REDIS_IMPORTERS: ReadonlySet<string> = new Set(['cli', 'redis']);

/** The part of `src/` a file belongs to: its top folder, or `index` for the barrel. */
function partOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file.replace(/\.ts$/, '');
}

/** Why `from` may not import `to` (both relative to `src/`), or undefined when it may. */
function forbidden(from: string, to: string): string | undefined {
  const a = partOf(from);
  const b = partOf(to);
  if (b === 'simulator') return SIMULATOR_IMPORTERS.has(a) ? undefined : `${a}/ imports the simulator, which only the CLI may use`;
  if (b === 'redis' && !REDIS_IMPORTERS.has(a)) return `${a === 'index' ? 'the barrel' : `${a}/`} imports redis/, the exotel-call-stream/redis entry, which only the CLI may use`;
  if (a === 'simulator') {
    if (b === 'simulator' || SIMULATOR_MAY_IMPORT.has(to)) return undefined;
    return `the simulator shares only ${[...SIMULATOR_MAY_IMPORT].join(' and ')} with the library`;
  }
  const ia = rankOf(a);
  const ib = rankOf(b);
  if (ia === -1) return `${from} is in no layer (add its folder to LAYERS)`;
  if (ib === -1) return `${to} is in no layer (add its folder to LAYERS)`;
  if (ib > ia) return `${a}/ imports from ${b}/, a layer above it`;
  if (ib === ia && a !== b) return `${a}/ imports from ${b}/, a layer beside it`;
  return undefined;
}

interface Edge {
  from: string;
  line: number;
  to: string;
}

/** Relative imports, re-exports and dynamic imports of each file, resolved to files under `src/`. */
function importsOf(files: ReadonlyMap<string, string>): Edge[] {
  const edges: Edge[] = [];
  for (const [file, text] of files) {
    const info = ts.preProcessFile(text, true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const to = posix.normalize(posix.join(posix.dirname(file), ref.fileName)).replace(/\.js$/, '.ts');
      const line = text.slice(0, ref.pos).split('\n').length;
      edges.push({ from: file, line, to });
    }
  }
  return edges;
}

function violations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const edge of importsOf(files)) {
    const why = forbidden(edge.from, edge.to);
    if (why !== undefined) found.push(`src/${edge.from}:${edge.line} imports src/${edge.to}: ${why}`);
  }
  return found;
}

function sourceFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

describe('the layers of src/', () => {
  it('no module imports from a layer above it; the simulator takes only record types and time', () => {
    const files = sourceFiles(SRC);
    expect(files.size).toBeGreaterThan(50);
    // Every part of src/ is placed, so a new folder cannot slip past the rule.
    const parts = new Set([...files.keys()].map(partOf));
    expect([...parts].filter((p) => p !== 'simulator' && rankOf(p) === -1)).toEqual([]);
    expect(importsOf(files).length).toBeGreaterThan(200);
    expect(violations(files)).toEqual([]);
  });

  it('reports an upward import, with the line, whatever form it takes', () => {
    const files = new Map([
      ['engine/CallTracker.ts', "import { x } from './fingerprint.js';\nimport type { CallStreamOptions } from '../stream/types.js';\n"],
      ['stores/memoryStore.ts', "export type { Thing } from '../operators/persistState.js';\n"],
      ['exotel/client.ts', "const later = () => import('../engine/planner.js');\n"],
      ['simulator/listing.ts', "import { TRACKED_FIELDS } from '../engine/fingerprint.js';\nimport type { RawCall } from '../exotel/types.js';\n"],
      ['simulator/options.ts', "import { assertOption } from '../exotel/assert.js';\n"],
      ['stream/CallStream.ts', "import { createSimulator } from '../simulator/index.js';\n"],
      ['cli/demo.ts', "import { createSimulator } from '../simulator/index.js';\nimport { createCallStream } from '../stream/createCallStream.js';\n"],
      ['operators/trackCalls.ts', "import type { EmittedState } from '../engine/types.js';\n"],
      ['sinks/ndjsonFileSink.ts', "import type { CallStreamLike } from '../stream/types.js';\nimport { toBoardCall } from '../wallboard/boardCall.js';\n"],
      ['wallboard/createWallboardServer.ts', "import type { Sink } from '../sinks/types.js';\n"],
      ['cli/serve/runService.ts', "const sinks = () => import('../../sinks/ndjsonFileSink.js');\n"],
      ['redis/RedisCallStream.ts', "import { CallStream } from '../stream/CallStream.js';\nimport type { Sink } from '../sinks/types.js';\n"],
      ['index.ts', "export { redisStore } from './redis/redisStore.js';\n"],
      ['cli/commands/fleet.ts', "import type { RedisClient } from '../../redis/RedisClient.js';\n"],
    ]);
    expect(violations(files)).toEqual([
      'src/engine/CallTracker.ts:2 imports src/stream/types.ts: engine/ imports from stream/, a layer above it',
      'src/stores/memoryStore.ts:1 imports src/operators/persistState.ts: stores/ imports from operators/, a layer above it',
      'src/exotel/client.ts:1 imports src/engine/planner.ts: exotel/ imports from engine/, a layer above it',
      'src/simulator/listing.ts:1 imports src/engine/fingerprint.ts: the simulator shares only exotel/types.ts and exotel/time.ts with the library',
      'src/simulator/options.ts:1 imports src/exotel/assert.ts: the simulator shares only exotel/types.ts and exotel/time.ts with the library',
      'src/stream/CallStream.ts:1 imports src/simulator/index.ts: stream/ imports the simulator, which only the CLI may use',
      'src/sinks/ndjsonFileSink.ts:2 imports src/wallboard/boardCall.ts: sinks/ imports from wallboard/, a layer beside it',
      'src/wallboard/createWallboardServer.ts:1 imports src/sinks/types.ts: wallboard/ imports from sinks/, a layer beside it',
      'src/redis/RedisCallStream.ts:2 imports src/sinks/types.ts: redis/ imports from sinks/, a layer beside it',
      'src/index.ts:1 imports src/redis/redisStore.ts: the barrel imports redis/, the exotel-call-stream/redis entry, which only the CLI may use',
    ]);
  });
});
