// Whether `dist/` must be built again: missing, or older than something it is built from.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUILD_INPUTS = ['src', 'rollup.config.mjs', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time under `path` (a file or a directory). */
function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** True when `<root>/dist/cli.js` is missing or older than any of the build's inputs. */
export function buildIsStale(root) {
  const built = join(root, 'dist', 'cli.js');
  if (!existsSync(built)) return true;
  const inputs = BUILD_INPUTS.map((p) => join(root, p)).filter(existsSync);
  return inputs.length > 0 && Math.max(...inputs.map(newest)) > statSync(built).mtimeMs;
}
