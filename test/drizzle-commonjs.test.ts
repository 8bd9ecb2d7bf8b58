import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The production entry point (src/cli.ts) loads drizzle's CommonJS build to keep ~150 MiB of
// loader garbage out of the server's resident memory (see src/drizzle-commonjs.ts). These run in
// a child process, as the hook is process-wide and vitest has its own module loader.
function runNode(script: string): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('drizzle loaded as CommonJS by the entry point', () => {
  it('resolves every drizzle-orm entry the server uses to its .cjs build, and nothing else', () => {
    const res = runNode(`
      const { loadDrizzleAsCommonJs } = await import(${JSON.stringify(new URL('../src/drizzle-commonjs.ts', import.meta.url).href)});
      loadDrizzleAsCommonJs();
      for (const s of ['drizzle-orm', 'drizzle-orm/pg-core', 'drizzle-orm/pglite', 'drizzle-orm/node-postgres/migrator', 'zod'])
        console.log(s + ' ' + import.meta.resolve(s));
    `);
    expect(res.stderr).toBe('');
    const lines = Object.fromEntries(
      res.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    expect(lines['drizzle-orm']).toMatch(/drizzle-orm\/index\.cjs$/);
    expect(lines['drizzle-orm/pg-core']).toMatch(/drizzle-orm\/pg-core\/index\.cjs$/);
    expect(lines['drizzle-orm/pglite']).toMatch(/drizzle-orm\/pglite\/index\.cjs$/);
    expect(lines['drizzle-orm/node-postgres/migrator']).toMatch(/node-postgres\/migrator\.cjs$/);
    expect(lines.zod).not.toMatch(/\.cjs$/);
  });

  it('the real CLI applies migrations and reads the schema through it (named exports intact)', () => {
    const res = spawnSync(process.execPath, ['src/cli.ts', 'migrate'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ROLEGATE_DATA_DIR: 'memory://' },
    });
    expect(res.stderr + res.stdout).toContain('migrations applied');
    expect(res.status).toBe(0);
  });
});
