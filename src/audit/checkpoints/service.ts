import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Db, DbOrTx } from '../../db/client.ts';
import { queryRows } from '../../db/client.ts';
import type { WebhookOutbox } from '../../webhooks/outbox.ts';
import { canonicalJson } from '../chain.ts';
import { type ChainHead, readChainHeads, recordHashAt, recordHashesAt } from '../store.ts';
import {
  CHECKPOINT_FORMAT,
  type CheckpointAlgorithm,
  type CheckpointBody,
  checkpointHash,
  FIRST_PREV,
  type KeysDocument,
  type PublishedKey,
  type SignedCheckpoint,
  signedBytes,
} from './format.ts';
import type { CheckpointSigner, SignerKey } from './signer.ts';
import { auditSignedCheckpoints, auditSigningKeys } from './tables.ts';
import { type CheckpointInput, type CheckpointVerification, verifyCheckpoints } from './verify.ts';

/**
 * Signs checkpoints of chain heads (docs/audit.md, "Signed checkpoints"): every
 * `intervalSeconds` for each chain whose head moved since its last checkpoint, and on demand.
 * Several nodes may run it: a checkpoint's number is its primary key with its chain, so the node
 * that loses a race inserts nothing, and every node links to the newest stored checkpoint.
 */

type Row = typeof auditSignedCheckpoints.$inferSelect;

export function toSignedCheckpoint(row: Row): SignedCheckpoint {
  return {
    format: CHECKPOINT_FORMAT,
    deployment: row.deployment,
    org: row.chain,
    n: row.n,
    seq: row.seq,
    head: row.head,
    time: row.time,
    prev: row.prev,
    kid: row.kid,
    alg: row.alg as CheckpointAlgorithm,
    hash: row.hash,
    signature: row.signature,
  };
}

/** Heads looked at per query of a round. */
const HEADS_PAGE = 500;

export type CheckpointOutcome =
  | { status: 'created'; checkpoint: SignedCheckpoint }
  /** The head has not moved since the last checkpoint (only when not forced). */
  | { status: 'unchanged'; checkpoint: SignedCheckpoint }
  /** The chain has no record yet. */
  | { status: 'empty' }
  /** Another node signed this number first. */
  | { status: 'raced' }
  /** The chain no longer holds the last checkpoint's head: it is not signed over (logged). */
  | { status: 'contradicted'; n: number; seq: number };

/** What a new checkpoint links to. */
interface LastCheckpoint {
  n: number;
  seq: number;
  head: string;
  hash: string;
}

export interface CheckpointServiceDeps {
  db: Db;
  clock: Clock;
  /** null: signing is not configured (no key): checkpoints are neither made nor delivered. */
  signer: CheckpointSigner | null;
  deployment: string | null;
  intervalSeconds: number;
  outbox?: Pick<WebhookOutbox, 'enqueue'> | null;
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export class SigningKeyRetiredError extends Error {
  constructor(kid: string) {
    super(`audit signing key ${kid} was retired (another key signs now); restart with the current key`);
    this.name = 'SigningKeyRetiredError';
  }
}

export function createCheckpointService(deps: CheckpointServiceDeps) {
  const { db, clock, signer, deployment, logger } = deps;
  /** The kid last confirmed as the published active key. */
  let keyActive: string | null = null;

  /**
   * Publishes the signer's public key on first use. A key seen for the first time starts its
   * validity period and ends the period of the key before it; a retired key never signs again, and
   * a key id reused for another key is refused (an old checkpoint would otherwise stop verifying).
   */
  async function ensureKey(s: CheckpointSigner): Promise<SignerKey> {
    const k = await s.describe();
    if (keyActive === k.kid) {
      const [row] = await db
        .select({ validUntil: auditSigningKeys.validUntil })
        .from(auditSigningKeys)
        .where(eq(auditSigningKeys.kid, k.kid));
      if (row !== undefined && row.validUntil === null) return k;
      keyActive = null;
    }
    const jwk = k.jwk;
    const now = clock.now();
    await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(auditSigningKeys)
        .values({ kid: k.kid, alg: k.alg, jwk, validFrom: now, validUntil: null })
        .onConflictDoNothing()
        .returning({ kid: auditSigningKeys.kid });
      if (inserted.length > 0) {
        await tx
          .update(auditSigningKeys)
          .set({ validUntil: now })
          .where(and(ne(auditSigningKeys.kid, k.kid), isNull(auditSigningKeys.validUntil)));
      }
    });
    const [row] = await db.select().from(auditSigningKeys).where(eq(auditSigningKeys.kid, k.kid));
    if (row === undefined) throw new Error('audit signing key was not recorded');
    // jsonb re-orders keys: compared in canonical form.
    if (row.alg !== k.alg || canonicalJson(row.jwk) !== canonicalJson(jwk)) {
      throw new Error(`audit signing key id ${k.kid} is already published for another key`);
    }
    if (row.validUntil !== null) throw new SigningKeyRetiredError(k.kid);
    keyActive = k.kid;
    return k;
  }

  async function latest(tx: DbOrTx, chain: string): Promise<Row | undefined> {
    const [row] = await tx
      .select()
      .from(auditSignedCheckpoints)
      .where(eq(auditSignedCheckpoints.chain, chain))
      .orderBy(desc(auditSignedCheckpoints.n))
      .limit(1);
    return row;
  }

  async function sign(
    s: CheckpointSigner,
    k: SignerKey,
    head: ChainHead,
    last: LastCheckpoint | undefined,
  ): Promise<CheckpointOutcome> {
    if (last !== undefined) {
      // Never sign over a rewrite: the previous checkpoint's record must still be there, unchanged.
      const hash = last.seq <= head.seq ? await recordHashAt(db, head.chain, last.seq) : null;
      if (hash !== last.head) {
        logger.error(
          { chain: head.chain, n: last.n, seq: last.seq },
          'audit chain contradicts its last signed checkpoint; not signing',
        );
        return { status: 'contradicted', n: last.n, seq: last.seq };
      }
    }
    const signedAt = clock.now();
    const body: CheckpointBody = {
      deployment: deployment as string,
      org: head.chain,
      n: (last?.n ?? 0) + 1,
      seq: head.seq,
      head: head.hash,
      time: signedAt.toISOString(),
      prev: last?.hash ?? FIRST_PREV,
      kid: k.kid,
      alg: k.alg,
    };
    // Signed before anything is written: a failing signer leaves no row, and the next round retries.
    const signature = (await s.sign(signedBytes(body))).toString('base64');
    const checkpoint: SignedCheckpoint = {
      format: CHECKPOINT_FORMAT,
      ...body,
      hash: checkpointHash(body),
      signature,
    };
    const created = await db.transaction(async (tx) => {
      const rows = await tx
        .insert(auditSignedCheckpoints)
        .values({
          chain: body.org,
          n: body.n,
          seq: body.seq,
          head: body.head,
          signedAt,
          time: body.time,
          prev: body.prev,
          deployment: body.deployment,
          kid: body.kid,
          alg: body.alg,
          hash: checkpoint.hash,
          signature,
        })
        .onConflictDoNothing()
        .returning({ n: auditSignedCheckpoints.n });
      if (rows.length === 0) return false;
      // The webhook message commits with the checkpoint (the outbox retries it durably).
      if (deps.outbox && body.org !== '_system') {
        await deps.outbox.enqueue(tx, {
          type: 'audit.checkpoint',
          orgId: body.org,
          dedupeKey: `checkpoint:${body.org}:${body.n}`,
          data: {
            n: body.n,
            seq: body.seq,
            head: body.head,
            time: body.time,
            checkpoint: JSON.stringify(checkpoint),
          },
        });
      }
      return true;
    });
    return created ? { status: 'created', checkpoint } : { status: 'raced' };
  }

  function requireSigner(): CheckpointSigner {
    if (signer === null || deployment === null) {
      throw new Error(
        'audit checkpoints are not configured (set ROLEGATE_AUDIT_SIGNING_KEYS and ROLEGATE_DEPLOYMENT_ID)',
      );
    }
    return signer;
  }

  /** Signs the chain's head now; unless `force`, only when it moved since the last checkpoint. */
  async function checkpointChain(chain: string, options: { force: boolean }): Promise<CheckpointOutcome> {
    const s = requireSigner();
    const k = await ensureKey(s);
    const [head] = await readChainHeads(db, { chains: [chain] });
    if (head === undefined) return { status: 'empty' };
    const last = await latest(db, chain);
    if (!options.force && last !== undefined && last.seq === head.seq && last.head === head.hash) {
      return { status: 'unchanged', checkpoint: toSignedCheckpoint(last) };
    }
    return sign(s, k, head, last);
  }

  /** One round over every chain; returns how many checkpoints were created. */
  async function runOnce(): Promise<{ created: number; contradicted: number }> {
    const s = requireSigner();
    const k = await ensureKey(s);
    let created = 0;
    let contradicted = 0;
    let after: string | null = null;
    for (;;) {
      const heads = await readChainHeads(db, { afterChain: after, limit: HEADS_PAGE });
      if (heads.length === 0) break;
      const lasts = await queryRows<{
        chain: string;
        n: string | number;
        seq: string | number;
        head: string;
        hash: string;
      }>(
        db,
        sql`select distinct on (chain) chain, n, seq, head, hash from ${auditSignedCheckpoints}
            where chain in (${sql.join(
              heads.map((h) => sql`${h.chain}`),
              sql`, `,
            )}) order by chain, n desc`,
      );
      const byChain = new Map(lasts.map((r) => [r.chain, { ...r, n: Number(r.n), seq: Number(r.seq) }]));
      for (const head of heads) {
        const last = byChain.get(head.chain);
        if (last !== undefined && last.seq === head.seq && last.head === head.hash) continue;
        const outcome = await sign(s, k, head, last);
        if (outcome.status === 'created') created += 1;
        if (outcome.status === 'contradicted') contradicted += 1;
      }
      after = heads[heads.length - 1]?.chain ?? null;
      if (heads.length < HEADS_PAGE) break;
    }
    return { created, contradicted };
  }

  /** The chain's checkpoints in number order, after `afterN` (at most `limit`). */
  async function list(chain: string, afterN: number, limit: number): Promise<SignedCheckpoint[]> {
    const rows = await db
      .select()
      .from(auditSignedCheckpoints)
      .where(and(eq(auditSignedCheckpoints.chain, chain), gt(auditSignedCheckpoints.n, afterN)))
      .orderBy(auditSignedCheckpoints.n)
      .limit(limit);
    return rows.map(toSignedCheckpoint);
  }

  /** Every key that ever signed, with its validity period (the well-known document). */
  async function keys(): Promise<KeysDocument> {
    const rows = await db.select().from(auditSigningKeys).orderBy(auditSigningKeys.validFrom);
    const published: PublishedKey[] = rows.map((r) => ({
      kid: r.kid,
      alg: r.alg as CheckpointAlgorithm,
      jwk: r.jwk,
      validFrom: r.validFrom.toISOString(),
      validUntil: r.validUntil?.toISOString() ?? null,
    }));
    return { format: 'rolegate-audit-keys/v1', deployment, keys: published };
  }

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const intervalMs = deps.intervalSeconds * 1000;

  function schedule(): void {
    timer = setTimeout(() => {
      running = runOnce()
        .then((r) => {
          if (r.created > 0) logger.info({ created: r.created }, 'audit checkpoints signed');
        })
        .catch((err: unknown) => logger.error({ err }, 'audit checkpoint round failed'))
        .finally(() => {
          running = null;
          if (timer !== null) schedule();
        });
    }, intervalMs);
    timer.unref();
  }

  return {
    enabled: signer !== null && deployment !== null,
    deployment,
    checkpointChain,
    runOnce,
    list,
    keys,

    /**
     * The chain against every checkpoint stored for it, with the published keys. This is the
     * operator-side check (it trusts the database's copy of the keys and checkpoints); the
     * customer's own copies are checked with `rolegate audit verify --checkpoints` or the
     * standalone verifier.
     */
    async verifyStored(chain: string): Promise<CheckpointVerification> {
      const doc = await keys();
      async function* inputs(): AsyncGenerator<CheckpointInput> {
        let after = 0;
        for (;;) {
          const page = await list(chain, after, 500);
          for (const checkpoint of page) yield { checkpoint };
          const last = page[page.length - 1];
          if (last === undefined || page.length < 500) return;
          after = last.n;
        }
      }
      return verifyCheckpoints({
        org: chain,
        // Without a configured deployment id, the stored checkpoints name the one they were made for.
        deployment: deployment ?? (await list(chain, 0, 1))[0]?.deployment ?? '',
        keys: doc.keys,
        inputs: inputs(),
        hashesAt: (seqs) => recordHashesAt(db, chain, seqs),
      });
    },

    start(): void {
      if (signer === null || deployment === null || intervalMs <= 0 || timer !== null) return;
      schedule();
    },
    async stop(): Promise<void> {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
export type CheckpointService = ReturnType<typeof createCheckpointService>;
