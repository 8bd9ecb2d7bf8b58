// Sets a running Rolegate up through its real API, as a customer would: sign up, log in, create
// an API key, create a connection, let the (stub) trust policy accept its external ID, set the
// role ARN and verify. Returns what a benchmark needs to call operations with the API key.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { connections } from '../src/connections/tables.ts';
import { openDatabase } from '../src/db/client.ts';
import { type RunningServer, startServer } from './lib.ts';
import type { StubProcess } from './stub-process.ts';

export interface Tenant {
  orgId: string;
  connId: string;
  /** `Authorization` header with the API key. */
  headers: Record<string, string>;
  /** `…/v1/orgs/<org>/connections/<conn>`. */
  base: string;
}

async function call<T>(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Sign-up → login → API key → connection → trust policy accepts its external ID → role ARN → verify. */
export async function setUpTenant(
  serverUrl: string,
  stub: StubProcess,
  capabilities: string[] = ['s3-read'],
): Promise<Tenant & { verification: { status: string; checks: unknown[] } }> {
  const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
  const password = `bench ${randomBytes(16).toString('base64url')} passphrase`;
  const signup = await call<{ organization: { id: string } }>(`${serverUrl}/v1/auth/signup`, 'POST', {
    email,
    password,
  });
  const orgId = signup.organization.id;
  const login = await call<{ accessToken: string }>(`${serverUrl}/v1/auth/login`, 'POST', {
    email,
    password,
  });
  const user = { authorization: `Bearer ${login.accessToken}` };
  const key = await call<{ key: string }>(
    `${serverUrl}/v1/orgs/${orgId}/api-keys`,
    'POST',
    { name: 'bench', role: 'admin' },
    user,
  );
  const headers = { authorization: `Bearer ${key.key}` };
  const conn = await call<{ id: string; externalId: string }>(
    `${serverUrl}/v1/orgs/${orgId}/connections`,
    'POST',
    { name: 'bench', capabilities },
    headers,
  );
  await stub.allowExternalId(conn.externalId);
  const base = `${serverUrl}/v1/orgs/${orgId}/connections/${conn.id}`;
  await call(base, 'PATCH', { roleArn: 'arn:aws:iam::222222222222:role/customer' }, headers);
  const verification = await call<{ status: string; checks: unknown[] }>(
    `${base}/verify`,
    'POST',
    undefined,
    headers,
  );
  return { orgId, connId: conn.id, headers, base, verification };
}

export interface TenantServer {
  server: RunningServer;
  tenant: Tenant;
  /** `api` when POST …/verify answered `verified`; otherwise how the run got a usable connection. */
  verification: string;
  stop(): Promise<void>;
}

/**
 * A Rolegate server with one verified tenant. If verification through the API does not answer
 * `verified` (a product defect, recorded in the result), the connection is marked verified
 * directly in the database while the server is stopped, and the server is started again on the
 * same data directory, so the operations can still be measured.
 */
export async function startTenantServer(
  stub: StubProcess,
  extra: Record<string, string> = {},
  options: { restartAfterSetup?: boolean } = {},
): Promise<TenantServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rolegate-bench-'));
  const env = benchServerEnv(stub.url, { ROLEGATE_DATA_DIR: dataDir, ...extra });
  let server = await startServer(env);
  const tenant = await setUpTenant(server.url, stub);
  let verification = 'api';
  if (tenant.verification.status !== 'verified') {
    const failed = (tenant.verification.checks as Array<{ name: string; status: string; code?: string }>)
      .filter((c) => c.status === 'failed')
      .map((c) => `${c.name} ${c.code ?? ''}`.trim());
    verification = `forced in the database (POST /verify: ${tenant.verification.status}; ${failed.join(', ')})`;
    await server.stop();
    const database = await openDatabase({ url: env.DATABASE_URL, dataDir });
    try {
      await database.db
        .update(connections)
        .set({ status: 'verified', lastVerifiedAt: new Date() })
        .where(eq(connections.id, tenant.connId));
    } finally {
      await database.close();
    }
  }
  if (verification !== 'api' || options.restartAfterSetup === true) {
    if (verification === 'api') await server.stop();
    const oldUrl = server.url;
    server = await startServer(env);
    tenant.base = tenant.base.replace(oldUrl, server.url);
  }
  const running = server;
  return {
    server: running,
    tenant,
    verification,
    stop: async () => {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Server environment for benchmarks: AWS pointed at the stub, limits raised so load is not refused. */
export function benchServerEnv(stubUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: stubUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHSTUBDUMMY00',
    AWS_SECRET_ACCESS_KEY: 'benchSecretKey',
    ROLEGATE_AWS_PRINCIPAL_ARN: 'arn:aws:iam::111111111111:role/rolegate-service',
    ROLEGATE_RATE_LIMIT_API_MAX: '1000000',
    ROLEGATE_RATE_LIMIT_EXPENSIVE_MAX: '100000',
    // One benchmark tenant sends up to 100 concurrent calls; the per-organisation lane (16 in
    // flight, 64 waiting by default) would queue or refuse part of that load, like a rate limit.
    ROLEGATE_AWS_ORG_MAX_CALLS: '256',
    ...extra,
  };
}

/** Peak and current resident memory of a process (Linux /proc), bytes. */
export async function memoryOf(pid: number): Promise<{ hwm: number; rss: number }> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}
