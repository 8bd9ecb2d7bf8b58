import { defineConfig } from 'vite';

// Built into web/dist and served by Rolegate itself (same origin, strict CSP: no inline script or style).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, assetsInlineLimit: 0 },
  oxc: { jsx: { runtime: 'automatic' } },
});
