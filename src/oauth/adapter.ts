import { and, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/client.ts';
import { oauthRecords } from './tables.ts';

/** Sweeps expired rows about once per this many writes (cheap, and no extra background job). */
const SWEEP_EVERY = 200;

/**
 * oidc-provider's storage on Rolegate's database: one adapter per model (`name`: Client,
 * AccessToken, AuthorizationCode, RefreshToken, Grant, Interaction, Session …). Every node reads
 * and writes the same rows, so a code issued by one node is redeemed (once) on another, and tokens
 * survive restarts. `consume` is a single conditional UPDATE, so two nodes racing to redeem one
 * authorization code cannot both see it unconsumed.
 */
export function createAdapterFactory(db: Db, clock: Clock): (name: string) => Adapter {
  let writes = 0;
  return (model: string): Adapter => {
    const live = () => or(isNull(oauthRecords.expiresAt), gt(oauthRecords.expiresAt, clock.now()));
    const byId = (id: string) => and(eq(oauthRecords.model, model), eq(oauthRecords.id, id));

    async function findWhere(condition: ReturnType<typeof and>): Promise<AdapterPayload | undefined> {
      const rows = await db
        .select({ payload: oauthRecords.payload, consumedAt: oauthRecords.consumedAt })
        .from(oauthRecords)
        .where(and(condition, live()))
        .limit(1);
      const row = rows[0];
      if (row === undefined) return undefined;
      const payload = row.payload as AdapterPayload;
      return row.consumedAt === null
        ? payload
        : { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) };
    }

    return {
      async upsert(id, payload, expiresIn) {
        const expiresAt = expiresIn === undefined ? null : new Date(clock.now().getTime() + expiresIn * 1000);
        const values = {
          model,
          id,
          payload: payload as Record<string, unknown>,
          grantId: typeof payload.grantId === 'string' ? payload.grantId : null,
          uid: typeof payload.uid === 'string' ? payload.uid : null,
          userCode: typeof payload.userCode === 'string' ? payload.userCode : null,
          expiresAt,
        };
        await db
          .insert(oauthRecords)
          .values(values)
          .onConflictDoUpdate({
            target: [oauthRecords.model, oauthRecords.id],
            set: {
              payload: values.payload,
              grantId: values.grantId,
              uid: values.uid,
              userCode: values.userCode,
              expiresAt,
            },
          });
        if (++writes % SWEEP_EVERY === 0) {
          await db.delete(oauthRecords).where(lt(oauthRecords.expiresAt, clock.now()));
        }
      },
      find: (id) => findWhere(byId(id)),
      findByUid: (uid) => findWhere(and(eq(oauthRecords.model, model), eq(oauthRecords.uid, uid))),
      findByUserCode: (userCode) =>
        findWhere(and(eq(oauthRecords.model, model), eq(oauthRecords.userCode, userCode))),
      async consume(id) {
        await db
          .update(oauthRecords)
          .set({ consumedAt: clock.now() })
          .where(and(byId(id), isNull(oauthRecords.consumedAt)));
      },
      async destroy(id) {
        await db.delete(oauthRecords).where(byId(id));
      },
      async revokeByGrantId(grantId) {
        // Every model's rows of the grant (codes, access and refresh tokens), not only this model's.
        await db.delete(oauthRecords).where(eq(oauthRecords.grantId, grantId));
      },
    };
  };
}
