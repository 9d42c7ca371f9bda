/**
 * The wallboard page's script: `browser/main.ts`, TypeScript type-checked against the board's
 * types (`npm run typecheck` checks it with the DOM library, `browser/tsconfig.json`), bundled for
 * browsers as one ES2017 IIFE. The package build inlines the bundle (rollup.config.mjs replaces
 * this module with its text); run from sources (vitest, tsx) it is bundled here on first use with
 * esbuild's API (a development dependency, the one vitest and tsx use).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The bundle's settings, shared with rollup.config.mjs (which reads them from this file's text). */
export const BROWSER_BUNDLE = { entry: './browser/main.ts', target: 'es2017', format: 'iife' } as const;

let bundled: string | undefined;

/** The page's script, as served at `/wallboard.js`. */
export function browserScript(): string {
  if (bundled === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const result = esbuild.buildSync({
      entryPoints: [fileURLToPath(new URL(BROWSER_BUNDLE.entry, import.meta.url))],
      bundle: true,
      format: BROWSER_BUNDLE.format,
      target: BROWSER_BUNDLE.target,
      charset: 'utf8',
      legalComments: 'none',
      write: false,
    });
    bundled = result.outputFiles[0]!.text;
  }
  return bundled;
}
