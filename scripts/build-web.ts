// Builds the console (web/ → web/dist) when it is missing or older than its sources, so that
// `npm start` on a fresh clone serves it without a separate step and a restart stays fast.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const web = join(import.meta.dirname, '..', 'web');
const built = join(web, 'dist', 'index.html');

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

// The console bundles the client package's source (API types generated from the OpenAPI document,
// error reading, the typed client): a change there is a change to the console.
const apiTypes = join(import.meta.dirname, '..', 'packages', 'client', 'src');
const sources = Math.max(newest(web), newest(apiTypes));
if (process.argv.includes('--force') || !existsSync(built) || statSync(built).mtimeMs < sources) {
  const r = spawnSync('npx', ['vite', 'build', web, '--logLevel', 'warn'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
