// `npm start`: builds the package only when dist/ is missing or older than what it is built from
// (src/, the build configuration, package.json), then runs `exotel-calls demo` with any arguments
// given after `npm start --`. A build takes tens of seconds; the demo starts in one when dist/ is fresh.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIsStale } from './buildIsStale.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli.js');

const stale = buildIsStale(root);
if (stale) {
  process.stderr.write(existsSync(built) ? 'npm start: sources changed since the last build; building (about a minute)...\n' : 'npm start: first run; building the package (about a minute)...\n');
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const demo = spawn(process.execPath, [built, 'demo', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the demo too (one process group): it stops cleanly, and this script waits for it.
// A SIGTERM sent to this script alone is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => demo.kill('SIGTERM'));
demo.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
