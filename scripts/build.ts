// Production build: the server compiled to JavaScript in dist/ (so production runs no type
// stripping at start or run time) with the files it reads beside its code, and the console
// bundled into web/dist. `npm run build`; then `node dist/cli.js serve` needs only the
// production dependencies (`npm ci --omit=dev`).
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    process.stderr.write(`build: ${command} ${args.join(' ')} failed\n`);
    process.exit(r.status ?? 1);
  }
}

rmSync(dist, { recursive: true, force: true });
run('npx', ['tsc', '-p', 'tsconfig.build.json']);
// Non-code files the server reads at run time, relative to its own modules.
cpSync(join(root, 'src/db/migrations'), join(dist, 'db/migrations'), { recursive: true });
cpSync(join(root, 'src/identity/common-passwords.txt'), join(dist, 'identity/common-passwords.txt'));
run('node', ['scripts/build-web.ts', '--force']);
process.stdout.write('build: server in dist/, console in web/dist/\n');
