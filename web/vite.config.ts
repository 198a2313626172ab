/// <reference types="vitest/config" />
// The dashboard is served by aisbf at /dashboard/ from the files embedded
// at build time (src/dashboard/embed_web.cmake): hashed names under
// /dashboard/assets/ (cached for a year), no inline script or style (the
// CSP allows neither), nothing loaded from another origin.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Every asset a file of its own: an inlined data: URL would be
    // fine for the CSP (img-src data:) but a script or font would not.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
