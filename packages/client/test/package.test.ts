import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { createTestConnection } from '../../../test/helpers/connections.ts';
import { createTestUser, type TestUser } from '../../../test/helpers/identity.ts';

// The package as a customer gets it: `npm pack` (whose prepack builds dist/), installed into a
// directory outside the workspace, imported from a plain .mjs program by the pinned Node (which
// refuses to strip types under node_modules, so this fails if the package ships TypeScript), and
// type-checked from a customer's .ts file. Offline: openapi-fetch and its one dependency are
// installed from the workspace's node_modules (copied, --install-links), not from the registry.

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const packageDir = join(root, 'packages', 'client');

let t: TestApp;
let baseUrl: string;
let owner: TestUser;
let stranger: TestUser;
let apiKey: string;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rolegate-client-package-'));
  t = await createTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  owner = await createTestUser(t);
  stranger = await createTestUser(t);
  const created = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/api-keys`,
    headers: owner.headers,
    payload: { name: 'package test', role: 'viewer' },
  });
  expect(created.statusCode).toBe(201);
  apiKey = created.json().key;
  await createTestConnection(t, owner.orgId, { capabilities: ['s3-read'] });
});
afterAll(async () => {
  await t?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const program = `
import { createRolegateClient, ERROR_CODES, RolegateError } from '@rolegate/client';
import { ROLES } from '@rolegate/client/openapi';

const rg = createRolegateClient({ baseUrl: process.env.ROLEGATE_URL, apiKey: process.env.ROLEGATE_API_KEY });
const { items } = await rg.data(
  rg.api.GET('/v1/orgs/{orgId}/connections', { params: { path: { orgId: process.env.ORG_ID } } }),
);
let refused = null;
try {
  await rg.data(rg.api.GET('/v1/orgs/{orgId}/connections', { params: { path: { orgId: process.env.OTHER_ORG_ID } } }));
} catch (e) {
  refused = e instanceof RolegateError ? { status: e.status, code: e.code, requestId: e.requestId } : String(e);
}
console.log(JSON.stringify({ capabilities: items.map((c) => c.capabilities), refused, codes: ERROR_CODES.length, roles: ROLES }));
`;

// Type errors here fail the test: the declarations must type paths, parameters and answers.
const typed = `
import { createRolegateClient, type RolegateError } from '@rolegate/client';

const rg = createRolegateClient({ baseUrl: 'https://rolegate.example.com', apiKey: () => 'rg_live_x' });
const page = await rg.data(rg.api.GET('/v1/orgs/{orgId}/connections', { params: { path: { orgId: 'org_1' } } }));
const names: string[] = page.items.map((c) => c.name);
// @ts-expect-error not a path of the API
await rg.api.GET('/v1/no-such-path');
// @ts-expect-error orgId is required
await rg.api.GET('/v1/orgs/{orgId}/connections', { params: { path: {} } });
export const seen: [string[], RolegateError | null] = [names, null];
`;

describe('@rolegate/client as an installed package', () => {
  it('packs, installs offline and runs from a plain .mjs program and a customer .ts file', async () => {
    // npm pack runs prepack, which builds dist/ from src/.
    await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: packageDir });
    const tarballs = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toEqual(['rolegate-client-0.1.0.tgz']);
    const listing = await run('tar', ['-tzf', join(work, tarballs[0]!)]);
    const files = listing.stdout.split('\n').filter((f) => f !== '');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);

    const app = join(work, 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'customer', private: true, type: 'module' }),
    );
    await run(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--install-links',
        join(root, 'node_modules', 'openapi-typescript-helpers'),
        join(root, 'node_modules', 'openapi-fetch'),
        join(work, tarballs[0]!),
      ],
      { cwd: app },
    );

    await writeFile(join(app, 'main.mjs'), program);
    const { stdout } = await run(process.execPath, ['main.mjs'], {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        ROLEGATE_URL: baseUrl,
        ROLEGATE_API_KEY: apiKey,
        ORG_ID: owner.orgId,
        OTHER_ORG_ID: stranger.orgId,
      },
    });
    const out = JSON.parse(stdout) as {
      capabilities: string[][];
      refused: { status: number; code: string; requestId: string | null } | string;
      codes: number;
      roles: string[];
    };
    expect(out.capabilities).toEqual([['s3-read']]);
    expect(out.refused).toMatchObject({ status: 404, code: 'not_found' });
    expect(typeof out.refused === 'object' && out.refused.requestId).toMatch(/\S/);
    expect(out.codes).toBeGreaterThan(10);
    expect(out.roles).toContain('owner');

    await writeFile(join(app, 'consumer.ts'), typed);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          lib: ['es2022', 'dom'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        include: ['consumer.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const checked = await run(process.execPath, [tsc, '-p', app]).then(
      () => '',
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    expect(checked).toBe('');
  }, 120_000);
});
