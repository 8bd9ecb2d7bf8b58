import { registerHooks } from 'node:module';

/**
 * Makes every `import … from 'drizzle-orm…'` load drizzle's CommonJS build instead of its ESM one.
 *
 * Why: Node's ESM loader consults the package.json of each module it loads, and drizzle-orm's is
 * 175 KB (an `exports` entry per file, ~450 files), so importing drizzle's ESM build leaves about
 * 65 MiB more resident for nothing (measured on PostgreSQL: a server idling at ~330 MiB of RSS
 * instead of ~270 MiB). The CommonJS build is the same release of the same code (drizzle publishes
 * both from one source).
 *
 * Must run before anything that imports drizzle-orm is *linked*, so the entry point registers
 * it and then loads the rest with a dynamic import. Figures: docs/running.md, "Memory".
 */
export function loadDrizzleAsCommonJs(): void {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'drizzle-orm' || specifier.startsWith('drizzle-orm/')) {
        return nextResolve(specifier, { ...context, conditions: ['require', 'node', 'default'] });
      }
      return nextResolve(specifier, context);
    },
  });
}
