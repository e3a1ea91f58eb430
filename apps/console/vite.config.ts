/**
 * Builds the operator console (a Preact single-page app) into dist/console, which the api serves
 * at /console (apps/api/src/controllers/console.controller.ts). `npm run build` runs it after swc.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  // Preact's automatic JSX runtime, without a plugin: Oxc compiles the TSX.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsDir: 'assets',
  },
});
