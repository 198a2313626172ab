/// <reference types="vitest/config" />
// The dashboard is served by aisbf at /dashboard/ from the files embedded
// at build time (src/dashboard/embed_web.cmake): hashed names under
// /dashboard/assets/ (cached for a year), no inline script or style (the
// CSP allows neither), nothing loaded from another origin. Behind a reverse
// proxy on a subpath, aisbf rewrites index.html's "/dashboard/…" paths and
// its aisbf-prefix meta; the scripts and stylesheets find each other by
// relative URLs (renderBuiltUrl), so they need no rewriting.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/dashboard/',
  experimental: {
    renderBuiltUrl: (_file, { hostType }) => (hostType === 'html' ? undefined : { relative: true }),
  },
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
