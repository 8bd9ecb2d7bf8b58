import { defaultClientConditions, defineConfig } from 'vite';

// Built into web/dist and served by Rolegate itself (same origin, strict CSP: no inline script or style).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // @rolegate/client is bundled from its TypeScript source (its package.json "exports"), so the
  // console needs no prior build of the package.
  resolve: { conditions: ['rolegate-source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, assetsInlineLimit: 0 },
  oxc: { jsx: { runtime: 'automatic' } },
});
