import { DrizzleQueryError, sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, queryRows } from '../src/db/client.ts';
import { newId } from '../src/db/ids.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { isDatabaseUnavailable, isTransactionConflict } from '../src/db/unavailable.ts';
import { registerErrorHandling } from '../src/http/error-handler.ts';

// A transaction PostgreSQL aborts to break a deadlock (or a serialization failure) was rolled back
// whole, so the client may retry: 503 + Retry-After, never a 500 that reads like a bug.

async function answerFor(error: unknown) {
  const app = Fastify();
  registerErrorHandling(app);
  app.get('/boom', async () => {
    throw error;
  });
  const res = await app.inject({ method: 'GET', url: '/boom' });
  await app.close();
  return res;
}

const wrapped = (code: string) =>
  new DrizzleQueryError(
    'update organizations set name = $1 where id = $2',
    ['x', 'org_1'],
    Object.assign(new Error('deadlock detected'), { code }),
  );

describe('transaction conflicts', () => {
  it('deadlock and serialization failures, however wrapped, are conflicts and not outages', () => {
    for (const code of ['40P01', '40001']) {
      expect(isTransactionConflict(wrapped(code))).toBe(true);
      expect(isTransactionConflict({ code })).toBe(true);
      expect(isDatabaseUnavailable(wrapped(code))).toBe(false);
    }
    for (const other of [
      wrapped('23505'),
      wrapped('40003'),
      new Error('40P01'),
      null,
      'x',
      { cause: { cause: {} } },
    ]) {
      expect(isTransactionConflict(other)).toBe(false);
    }
  });

  it('are answered 503 service_unavailable with Retry-After, and say nothing of the SQL', async () => {
    const res = await answerFor(wrapped('40P01'));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    const body = res.json() as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('service_unavailable');
    expect(body.error.requestId).toBeTruthy();
    expect(res.body).not.toMatch(/update|organizations|deadlock/i);
    // Anything else unknown stays an opaque 500.
    expect((await answerFor(wrapped('23505'))).statusCode).toBe(500);
  });
});

describe.runIf(process.env.DATABASE_URL !== undefined)('a real deadlock on PostgreSQL', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase({ url: process.env.DATABASE_URL, dataDir: 'memory://' });
    await runMigrations(database);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('aborts one of two transactions that lock in opposite order; nothing of it stays; the answer is 503', async () => {
    const [a, b] = [newId('org'), newId('org')];
    await database.db.execute(sql`insert into organizations (id, name) values (${a}, 'a'), (${b}, 'b')`);
    // Each transaction locks its first row, waits until the other has too, then wants the other's.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothLocked = new Promise<void>((r) => {
      release = r;
    });
    const crossing = (first: string, second: string, name: string) =>
      database.db.transaction(async (tx) => {
        await tx.execute(sql`update organizations set name = ${name} where id = ${first}`);
        arrived += 1;
        if (arrived === 2) release();
        await bothLocked;
        await tx.execute(sql`update organizations set name = ${name} where id = ${second}`);
      });
    const results = await Promise.allSettled([crossing(a, b, 'one'), crossing(b, a, 'two')]);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    const error = (failed[0] as PromiseRejectedResult).reason;
    expect(isTransactionConflict(error)).toBe(true);
    // The winner's writes are both there; the loser left nothing.
    const winner = results[0]!.status === 'fulfilled' ? 'one' : 'two';
    const rows = await queryRows<{ name: string }>(
      database.db,
      sql`select name from organizations where id in (${a}, ${b})`,
    );
    expect(rows.map((r) => r.name)).toEqual([winner, winner]);
    expect((await answerFor(error)).statusCode).toBe(503);
    // The connection of the losing transaction is still good to use.
    await database.db.transaction((tx) => tx.execute(sql`select 1`));
  });
});
