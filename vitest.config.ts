import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by its name, as users do; in tests that name means the sources.
    alias: [
      { find: /^exotel-call-stream\/simulator$/, replacement: src('simulator/index.ts') },
      { find: /^exotel-call-stream\/redis$/, replacement: src('redis/index.ts') },
      { find: /^exotel-call-stream$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
