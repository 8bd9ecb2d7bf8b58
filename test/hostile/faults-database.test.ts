import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, type DbOrTx, openDatabase, queryRows } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { rewriteUrl, startTcpProxy, type TcpProxy, targetOf } from '../helpers/tcp-proxy.ts';
import { expectError, signUpAndLogin, timed, uniqueEmail, uniqueIp, uniquePassword } from './support.ts';

// Invariant 6: with the database unreachable every request fails with 503 (never partial data, never a
// bypass, never a hung request), /readyz says so, and nothing half-written is left behind.

/** Every user has a membership and every organisation an owner: sign-up is all or nothing. */
async function orphans(db: Database): Promise<{ users: number; orgs: number }> {
  const [users] = await queryRows<{ n: number }>(
    db.db,
    sql`select count(*)::int as n from users u where not exists (select 1 from memberships m where m.user_id = u.id)`,
  );
  const [orgs] = await queryRows<{ n: number }>(
    db.db,
    sql`select count(*)::int as n from organizations o where not exists (select 1 from memberships m where m.org_id = o.id and m.role = 'owner')`,
  );
  return { users: users!.n, orgs: orgs!.n };
}

async function signup(t: TestApp, email = uniqueEmail()) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/auth/signup',
    remoteAddress: uniqueIp(),
    payload: { email, password: uniquePassword() },
  });
}

describe.runIf(process.env.DATABASE_URL !== undefined)('PostgreSQL unreachable (through a TCP proxy)', () => {
  let proxy: TcpProxy;
  let database: Database;
  let t: TestApp;
  let direct: Database;

  beforeAll(async () => {
    const url = process.env.DATABASE_URL!;
    proxy = await startTcpProxy(targetOf(url, 5432));
    direct = await openDatabase({ url, dataDir: 'memory://' });
    await runMigrations(direct);
    database = await openDatabase({
      url: rewriteUrl(url, proxy),
      dataDir: 'memory://',
      queryTimeoutMs: 3_000,
    });
    t = await createTestApp({ database });
  });

  afterAll(async () => {
    proxy?.setMode('pass');
    await t?.close();
    await database?.close();
    await direct?.close();
    await proxy?.close();
  });

  it('connections reset: /readyz and the API answer 503 at once; recovery needs no restart', async () => {
    const user = await signUpAndLogin(t);
    const headers = { authorization: `Bearer ${user.accessToken}` };
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    proxy.setMode('drop');
    const ready = await timed(() => t.app.inject({ method: 'GET', url: '/readyz' }));
    expectError(ready.value, 503, 'service_unavailable');
    expect(ready.ms).toBeLessThan(7_000);
    const email = uniqueEmail();
    for (const request of [
      () => signup(t, email),
      () => t.app.inject({ method: 'GET', url: '/v1/me', headers }),
      () => t.app.inject({ method: 'POST', url: '/v1/orgs', headers, payload: { name: 'during outage' } }),
      () => t.app.inject({ method: 'GET', url: `/v1/orgs/${user.orgId}/audit`, headers }),
    ]) {
      const res = await timed(request);
      expectError(res.value, 503, 'service_unavailable');
      expect(res.value.body).not.toMatch(/ECONN|postgres|select |insert /i);
      expect(res.ms).toBeLessThan(7_000);
    }

    proxy.setMode('pass');
    let ok = 0;
    for (let i = 0; i < 50 && ok === 0; i++) {
      if ((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200) ok += 1;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok).toBe(1);
    // The sign-up refused during the outage left nothing behind: the same e-mail signs up afresh.
    expect((await signup(t, email)).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: '/v1/me', headers })).statusCode).toBe(200);
    expect(await orphans(direct)).toEqual({ users: 0, orgs: 0 });
  });

  it('a black-holed database (no answer at all) bounds every request and leaves no partial write', async () => {
    const user = await signUpAndLogin(t);
    const headers = { authorization: `Bearer ${user.accessToken}` };
    // Sign-ups in flight when the network goes silent.
    const inFlight = Array.from({ length: 6 }, () => signup(t));
    await new Promise((r) => setTimeout(r, 30));
    proxy.setMode('blackhole');
    // The bounds prove "answered, not hung" (without the client-side query timeout these requests
    // would wait forever); they carry slack for a machine busy with the rest of the suite.
    const ready = await timed(() => t.app.inject({ method: 'GET', url: '/readyz' }));
    expectError(ready.value, 503, 'service_unavailable');
    expect(ready.ms).toBeLessThan(15_000);
    const api = await timed(() =>
      t.app.inject({ method: 'POST', url: '/v1/orgs', headers, payload: { name: 'x' } }),
    );
    expectError(api.value, 503, 'service_unavailable');
    expect(api.ms).toBeLessThan(30_000);
    const settled = await timed(() => Promise.all(inFlight));
    expect(settled.ms).toBeLessThan(45_000);
    for (const res of settled.value) expect([201, 503]).toContain(res.statusCode);

    proxy.setMode('pass');
    proxy.resetAll();
    for (let i = 0; i < 100; i++) {
      if ((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/me', headers })).statusCode).toBe(200);
    expect(await orphans(direct)).toEqual({ users: 0, orgs: 0 });
  });
});

/**
 * The pool itself through failures: a client that loses its database must fail its own request and
 * then leave the pool, never crash the process, never hold a pool slot for good, and never be
 * handed to the next request still waiting on a statement that will not return. One pool slot, so
 * a single lost or poisoned client would make the next transaction fail.
 */
describe.runIf(process.env.DATABASE_URL !== undefined)('PostgreSQL pool under connection faults', () => {
  let proxy: TcpProxy;
  let db: Database;
  let direct: Database;
  const errors: Error[] = [];

  beforeEach(async () => {
    const url = process.env.DATABASE_URL!;
    proxy = await startTcpProxy(targetOf(url, 5432));
    direct = await openDatabase({ url, dataDir: 'memory://' });
    await runMigrations(direct);
    errors.length = 0;
    db = await openDatabase({
      url: rewriteUrl(url, proxy),
      dataDir: 'memory://',
      poolSize: 1,
      // Generous enough that healthy statements never hit it on a busy machine.
      queryTimeoutMs: 2_000,
      onError: (err) => errors.push(err),
    });
    await db.ping();
  });

  afterEach(async () => {
    proxy.setMode('pass');
    try {
      // A leaked client would make this wait forever; bound it so the test says so.
      const closed = await Promise.race([
        db.close().then(() => 'closed'),
        new Promise((r) => setTimeout(() => r('pool.end() still waiting after 5 s'), 5_000)),
      ]);
      expect(closed).toBe('closed');
    } finally {
      await direct.close();
      await proxy.close();
    }
  });

  const insertOrg = (tx: DbOrTx, id: string) =>
    tx.execute(sql`insert into organizations (id, name) values (${id}, 'x')`);
  const committed = async (id: string) =>
    (await queryRows(direct.db, sql`select 1 from organizations where id = ${id}`)).length === 1;

  it('a connection reset between two statements fails that transaction and is reported, not thrown', async () => {
    // The reset reaches the checked-out client as an 'error' event; unheard, that is an uncaught
    // exception that takes the process down.
    const marker = `reset-${Date.now()}`;
    const outcome = db.db.transaction(async (tx) => {
      await insertOrg(tx, marker);
      proxy.resetAll();
      await new Promise((r) => setTimeout(r, 200));
      await tx.execute(sql`select 1`);
    });
    await expect(outcome).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
    expect(await committed(marker)).toBe(false);
    await db.db.transaction((tx) => tx.execute(sql`select 1`));
  });

  it('a BEGIN that gets no answer gives its client back: the next transaction runs', async () => {
    proxy.setMode('blackhole');
    const outcome = db.db.transaction((tx) => tx.execute(sql`select 1`));
    await expect(outcome).rejects.toThrow();
    proxy.setMode('pass');
    const marker = `after-begin-${Date.now()}`;
    await db.db.transaction((tx) => insertOrg(tx, marker));
    expect(await committed(marker)).toBe(true);
  });

  it('a statement that times out mid-transaction does not poison the next request', async () => {
    const marker = `timeout-${Date.now()}`;
    const outcome = db.db.transaction(async (tx) => {
      await insertOrg(tx, marker);
      proxy.setMode('blackhole');
      await tx.execute(sql`select 1`);
    });
    await expect(outcome).rejects.toThrow();
    proxy.setMode('pass');
    // The timed-out statement is still pending on that client; reused, it would stall this one.
    const next = `next-${Date.now()}`;
    await db.db.transaction((tx) => insertOrg(tx, next));
    expect(await committed(next)).toBe(true);
    expect(await committed(marker)).toBe(false);
  });

  it('an advisory-lock holder cut off mid-work closes its connection: the lock and the slot come back', async () => {
    const key = 424_242;
    const outcome = db.withAdvisoryLock(key, async (locked) => {
      proxy.setMode('blackhole');
      await locked.execute(sql`select 1`);
    });
    await expect(outcome).rejects.toThrow();
    proxy.setMode('pass');
    // Reused, the client would still be waiting on its statement; pooled, it would keep the lock.
    const marker = `after-lock-${Date.now()}`;
    await db.db.transaction((tx) => insertOrg(tx, marker));
    expect(await committed(marker)).toBe(true);
    // The server ends the closed connection's session, and with it the lock, within moments.
    const lockFree = () =>
      direct.db.transaction(async (tx) => {
        const [row] = await queryRows<{ ok: boolean }>(
          tx,
          sql`select pg_try_advisory_xact_lock(${key}) as ok`,
        );
        return row!.ok;
      });
    let free = await lockFree();
    for (let i = 0; i < 20 && !free; i++) {
      await new Promise((r) => setTimeout(r, 100));
      free = await lockFree();
    }
    expect(free).toBe(true);
  });
});

describe('PGlite closed', () => {
  let database: Database;
  let t: TestApp;

  beforeAll(async () => {
    database = await openDatabase({ url: undefined, dataDir: 'memory://' });
    await runMigrations(database);
    t = await createTestApp({ database });
  });

  afterAll(async () => {
    await t?.close();
    await database?.close();
  });

  it('/readyz and the API answer 503 in the documented shape, promptly', async () => {
    const user = await signUpAndLogin(t);
    const headers = { authorization: `Bearer ${user.accessToken}` };
    await database.close();
    expectError(await t.app.inject({ method: 'GET', url: '/readyz' }), 503, 'service_unavailable');
    for (const request of [
      () => signup(t),
      () => t.app.inject({ method: 'GET', url: '/v1/me', headers }),
      () => t.app.inject({ method: 'POST', url: '/v1/orgs', headers, payload: { name: 'closed' } }),
      () =>
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          remoteAddress: uniqueIp(),
          payload: { email: user.email, password: user.password },
        }),
    ]) {
      const res = await timed(request);
      expectError(res.value, 503, 'service_unavailable');
      expect(res.ms).toBeLessThan(5_000);
    }
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
