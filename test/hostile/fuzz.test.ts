import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsStub, startAwsStub } from '../../bench/aws-stub.ts';
import { type Database, openDatabase, queryRows } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';

// Bad input against every route in the route table: never a 5xx, never a crash, every error in
// the documented shape with the request id, and no state changed by a refused request.

const HOSTILE_STRINGS = [
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  "' OR '1'='1",
  "'; drop table users; --",
  '{"$gt": ""}',
  '$where: 1 == 1',
  '<script>alert(1)</script>',
  '\u0000\u0001\u0002\u001f',
  '\u202e\u200b\ufeff',
  '𝕳𝖊𝖑𝖑𝖔 🧨',
  '%00',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style probe string, on purpose
  '${jndi:ldap://127.0.0.1/a}',
  'arn:aws:iam::000000000000:root',
  '*',
  '__proto__',
  'constructor',
  'x'.repeat(70_000),
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ maxLength: 2000 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

function deepNesting(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const rawBody = fc.oneof(
  hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 500 }),
  fc.constantFrom('{', '{"a":', '[1,2', 'null', '""', '{"__proto__":{"admin":true}}', deepNesting(5000)),
);

const segment = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS.slice(0, 16)).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^(org|usr|con|key|inv|scn|fnd|aud)_[0-9a-z]{24}$/),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => encodeURIComponent(s)),
);

const query = fc.dictionary(
  fc.constantFrom('limit', 'cursor', 'prefix', 'key', 'from', 'to', 'format', 'delimiter', 'status', 'x'),
  fc.oneof(hostileString, fc.integer().map(String), fc.constantFrom('-1', '1e9', 'NaN', '')),
  { maxKeys: 4 },
);

const SKIP = new Set([
  '/docs',
  '/docs/*',
  '/docs/json',
  '/docs/yaml',
  '/docs/static/*',
  '/docs/static/index.html',
]);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 25);

let t: TestApp;
let stub: AwsStub;
let tried = 0;
let exemptTables: Set<string>;

/**
 * On PostgreSQL the suite's files share one database, so row counts would see the other files'
 * writes: the fuzzer gets a database of its own on the same server (dropped afterwards).
 */
let own: { database: Database; drop(): Promise<void> } | null = null;

async function ownPostgresDatabase(baseUrl: string): Promise<{ database: Database; drop(): Promise<void> }> {
  const url = new URL(baseUrl);
  const name = `${url.pathname.slice(1)}_fuzz`.slice(0, 63);
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), dataDir: 'memory://' });
  await runMigrations(database);
  return {
    database,
    drop: async () => {
      await database.close();
      await admin(`drop database if exists "${name}" with (force)`);
    },
  };
}

beforeAll(async () => {
  stub = await startAwsStub();
  if (process.env.DATABASE_URL !== undefined) own = await ownPostgresDatabase(process.env.DATABASE_URL);
  t = await createTestApp({
    ...(own === null ? {} : { database: own.database }),
    env: {
      AWS_ENDPOINT_URL: stub.url,
      AWS_ACCESS_KEY_ID: 'AKIDFUZZ',
      AWS_SECRET_ACCESS_KEY: 'fuzz',
    },
  });
  // Tables a refused request may legitimately write (evidence of the refusal, throttling state).
  exemptTables = new Set(['audit_events', 'audit_chain_heads', 'login_attempts', 'rate_limits']);
});

afterAll(async () => {
  process.stderr.write(
    `hostile fuzz: ${tried} inputs tried across ${t?.app.routeTable.length ?? 0} routes\n`,
  );
  await t?.close();
  await own?.drop();
  await stub?.close();
});

async function tableCounts(): Promise<Record<string, number>> {
  const tables = await queryRows<{ name: string }>(
    t.database.db,
    sql`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    if (exemptTables.has(name)) continue;
    const rows = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from ${sql.identifier(name)}`,
    );
    out[name] = rows[0]!.n;
  }
  return out;
}

describe('hostile input against every route', () => {
  it('never answers 5xx, always answers errors in the documented shape, and refused requests change nothing', async () => {
    const routes = t.app.routeTable.filter((r) => !SKIP.has(r.url) && !r.url.startsWith('/docs'));
    expect(routes.length).toBeGreaterThan(2);
    for (const route of routes) {
      const user = await createTestUser(t);
      await fc.assert(
        fc.asyncProperty(
          rawBody,
          query,
          fc.array(segment, { minLength: 6, maxLength: 6 }),
          async (body, q, segs) => {
            let i = 0;
            const path = route.url
              .split('/')
              .map((part) =>
                part === ':orgId'
                  ? user.orgId
                  : part.startsWith(':')
                    ? segs[i++ % segs.length]!
                    : part === '*'
                      ? segs[5]!
                      : part,
              )
              .join('/');
            const qs = new URLSearchParams(q as Record<string, string>).toString();
            const before = await tableCounts();
            const res = await t.app.inject({
              method: route.method as 'GET',
              url: qs === '' ? path : `${path}?${qs}`,
              headers: { ...user.headers, 'content-type': 'application/json' },
              ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: body }),
            });
            tried += 1;
            expect(
              res.statusCode,
              `${route.method} ${route.url} -> ${res.statusCode} ${res.body.slice(0, 300)}`,
            ).toBeLessThan(500);
            if (res.statusCode >= 400 && route.url.startsWith('/scim/')) {
              // SCIM answers in the RFC 7644 error shape (src/scim/routes.ts).
              expect(res.json()).toMatchObject({ status: String(res.statusCode) });
              expect(
                await tableCounts(),
                `${route.method} ${route.url} changed state while refusing`,
              ).toEqual(before);
            } else if (res.statusCode >= 400) {
              const err = res.json().error;
              expect(err.code).toMatch(/^[a-z_]+$/);
              expect(typeof err.message).toBe('string');
              expect(err.requestId).toBe(res.headers['x-request-id']);
              expect(
                await tableCounts(),
                `${route.method} ${route.url} changed state while refusing`,
              ).toEqual(before);
            }
          },
        ),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
  }, 600_000);

  it('oversized bodies are refused with 413 on every route that takes a body', async () => {
    const user = await createTestUser(t);
    const big = JSON.stringify({ a: 'x'.repeat(1024 * 1024 + 1) });
    for (const route of t.app.routeTable.filter((r) => r.hasBody)) {
      const path = route.url.replace(':orgId', user.orgId).replace(/:[A-Za-z]+/g, 'x');
      const res = await t.app.inject({
        method: route.method as 'POST',
        url: path,
        headers: { ...user.headers, 'content-type': 'application/json' },
        payload: big,
      });
      tried += 1;
      if (route.url.startsWith('/scim/')) {
        // SCIM authenticates its own bearer token before reading any body: a session token is 401.
        expect([413, 401], `${route.method} ${route.url}`).toContain(res.statusCode);
        continue;
      }
      expect([413, 404, 415], `${route.method} ${route.url}`).toContain(res.statusCode);
      expect(res.json().error.requestId).toBe(res.headers['x-request-id']);
    }
  });
});
