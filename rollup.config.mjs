// Builds ESM + CJS bundles and their type declarations for every entry point.
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
// Every dependency (and its subpaths) and every node: builtin stays external.
const isDependency = (id) => deps.some((d) => id === d || id.startsWith(`${d}/`));
const external = (id) => id.startsWith('node:') || isDependency(id);

// ESM-only dependencies (and theirs). Node before 20.19 cannot require() them, yet `engines` admits
// 20.18.1: the CJS bundle carries its own copy of them instead of a require() that would throw.
const ESM_ONLY = ['p-retry', 'is-network-error'];
const externalForCjs = (id) => !ESM_ONLY.includes(id) && external(id);
function inlineEsmOnly() {
  // Each is resolved from the one that imports it (p-retry's is-network-error may be nested).
  const paths = new Map();
  let from = createRequire(import.meta.url);
  for (const name of ESM_ONLY) {
    const path = from.resolve(name);
    paths.set(name, path);
    from = createRequire(path);
  }
  const notices = new Map(
    [...paths].map(([name, path]) => {
      const dir = dirname(path);
      const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const copyright = readFileSync(join(dir, 'license'), 'utf8').match(/^Copyright .*$/m)?.[0] ?? '';
      return [path, `/*! ${name} ${version} | ${license} License | ${copyright} */\n`];
    }),
  );
  return {
    name: 'inline-esm-only',
    resolveId: (id) => paths.get(id) ?? null,
    // Their MIT notice travels with the copied code.
    transform: (code, id) => (notices.has(id) ? { code: notices.get(id) + code, map: null } : null),
  };
}

// The wallboard page's script (src/wallboard/browser/main.ts) is bundled for browsers here and
// inlined: the built src/wallboard/browserScript.ts returns the text instead of bundling at run
// time. The settings are read from that file, so that both paths bundle alike.
const BROWSER_SCRIPT = fileURLToPath(new URL('./src/wallboard/browserScript.ts', import.meta.url));
function inlineWallboardScript() {
  let text;
  return {
    name: 'inline-wallboard-script',
    transform(_code, id) {
      if (id !== BROWSER_SCRIPT) return null;
      if (text === undefined) {
        const source = readFileSync(BROWSER_SCRIPT, 'utf8');
        const setting = (key) => new RegExp(`${key}: '([^']+)'`).exec(source)?.[1];
        const result = buildSync({
          entryPoints: [fileURLToPath(new URL(setting('entry'), new URL('./src/wallboard/', import.meta.url)))],
          bundle: true,
          format: setting('format'),
          target: setting('target'),
          charset: 'utf8',
          legalComments: 'none',
          write: false,
        });
        text = result.outputFiles[0].text;
      }
      return { code: `export function browserScript() {\n  return ${JSON.stringify(text)};\n}\n`, map: null };
    },
  };
}

const entries = {
  index: 'src/index.ts',
  simulator: 'src/simulator/index.ts',
  redis: 'src/redis/index.ts',
  cli: 'src/cli/main.ts',
};

// A stale chunk of an earlier build must not be published.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

export default [
  {
    input: entries,
    external,
    plugins: [typescript({ tsconfig: './tsconfig.build.json' }), inlineWallboardScript()],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
  },
  {
    // The bin runs the ESM build: no CJS cli.
    input: { index: entries.index, simulator: entries.simulator, redis: entries.redis },
    external: externalForCjs,
    plugins: [inlineEsmOnly(), typescript({ tsconfig: './tsconfig.build.json' }), inlineWallboardScript()],
    // 'auto' interop keeps the default exports of the remaining dependencies callable from CJS.
    output: { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', interop: 'auto', sourcemap: true },
  },
  {
    input: { index: entries.index, simulator: entries.simulator, redis: entries.redis },
    external,
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.cts', chunkFileNames: 'chunks/[name]-[hash].d.cts' },
    ],
  },
];
