import type { KeyObject } from 'node:crypto';
import {
  bodyProblem,
  CHECKPOINT_FORMAT,
  type CheckpointBody,
  checkpointHash,
  FIRST_PREV,
  type PublishedKey,
  publicKeyFromJwk,
  type SignedCheckpoint,
  signatureHolds,
} from './format.ts';

/**
 * Checks a set of signed checkpoints (the customer's copies, or the ones the database holds) and
 * whether a chain still matches every one of them. Pure: the chain is consulted through `hashAt`, so
 * the same code serves the API, the CLI (database) and tests.
 */
export type CheckpointProblemReason =
  /** Not a checkpoint document of this format. */
  | 'malformed'
  /** Signed for another deployment than the one being verified. */
  | 'wrong_deployment'
  /** Signed for another organisation's chain. */
  | 'wrong_organisation'
  /** Its key id is not among the published keys. */
  | 'unknown_key'
  /** Its time lies outside its key's validity period (or the key is of another algorithm). */
  | 'key_not_valid_then'
  /** The signature does not verify, or `hash` is not the hash of the signed fields. */
  | 'bad_signature'
  /** Checkpoints are missing before this one (its number skips, or its `prev` names another). */
  | 'gap'
  /** Its sequence number or time goes backwards from the checkpoint before. */
  | 'out_of_order'
  /** The chain has no record at its `seq`, or that record has another hash: the chain was rewritten. */
  | 'contradicted';

export interface CheckpointProblem {
  /** The checkpoint's number (null when it is malformed). */
  n: number | null;
  seq?: number;
  reason: CheckpointProblemReason;
  /** Where it came from (file name or object key), when known. */
  source?: string;
}

export interface CheckpointVerification {
  valid: boolean;
  /** Checkpoints examined. */
  checked: number;
  /** The first checkpoint the chain contradicts (by number), the main answer. */
  firstContradicted: { n: number; seq: number } | null;
  /** Every problem, in checkpoint order (at most MAX_PROBLEMS). */
  problems: CheckpointProblem[];
  problemCount: number;
  /** The newest checkpoint that verified and that the chain matches. */
  lastGood: { n: number; seq: number; time: string } | null;
}

export const MAX_PROBLEMS = 100;

export interface CheckpointInput {
  checkpoint: unknown;
  source?: string;
}

/** The fields of a checkpoint document, or null when it is not one. */
export function parseCheckpoint(value: unknown): SignedCheckpoint | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (v.format !== CHECKPOINT_FORMAT) return null;
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : null);
  const int = (k: string) =>
    typeof v[k] === 'number' && Number.isSafeInteger(v[k]) ? (v[k] as number) : null;
  const body = {
    deployment: str('deployment'),
    org: str('org'),
    n: int('n'),
    seq: int('seq'),
    head: str('head'),
    time: str('time'),
    prev: str('prev'),
    kid: str('kid'),
    alg: str('alg'),
  };
  const hash = str('hash');
  const signature = str('signature');
  if (Object.values(body).some((x) => x === null) || hash === null || signature === null) return null;
  const checkpoint = { format: CHECKPOINT_FORMAT, ...body, hash, signature } as SignedCheckpoint;
  return bodyProblem(checkpoint) === null ? checkpoint : null;
}

function bodyOf(c: SignedCheckpoint): CheckpointBody {
  return {
    deployment: c.deployment,
    org: c.org,
    n: c.n,
    seq: c.seq,
    head: c.head,
    time: c.time,
    prev: c.prev,
    kid: c.kid,
    alg: c.alg,
  };
}

/** Checkpoints checked per round trip to the chain. */
const PAGE = 500;

/**
 * Verifies `inputs` (in checkpoint-number order; see `sortByNumber`) as the checkpoints of chain
 * `org` of deployment `deployment`, signed by `keys`, against the chain behind `hashesAt` (the
 * hashes of the records with those seqs; an absent seq is absent from the map). Every checkpoint is
 * checked and checking goes on after a problem; memory stays bounded (a page at a time).
 */
export async function verifyCheckpoints(params: {
  org: string;
  deployment: string;
  keys: PublishedKey[];
  inputs: Iterable<CheckpointInput> | AsyncIterable<CheckpointInput>;
  hashesAt: (seqs: number[]) => Promise<Map<number, string>>;
}): Promise<CheckpointVerification> {
  const problems: CheckpointProblem[] = [];
  let problemCount = 0;
  let checked = 0;
  const add = (p: CheckpointProblem) => {
    problemCount += 1;
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const keys = new Map<string, { key: PublishedKey; object: KeyObject | null }>();
  for (const key of params.keys) {
    let object: KeyObject | null = null;
    try {
      object = publicKeyFromJwk(key.jwk);
    } catch {
      object = null;
    }
    keys.set(key.kid, { key, object });
  }

  let firstContradicted: CheckpointVerification['firstContradicted'] = null;
  let lastGood: CheckpointVerification['lastGood'] = null;
  // The previous checkpoint whose signature held: the one the next must link to.
  let previous: SignedCheckpoint | null = null;
  let page: { c: SignedCheckpoint; at: CheckpointProblem }[] = [];

  /** Genuine checkpoints of a page against the chain. */
  async function flush(): Promise<void> {
    if (page.length === 0) return;
    const hashes = await params.hashesAt([...new Set(page.map((g) => g.c.seq))]);
    for (const { c, at } of page) {
      if (hashes.get(c.seq) !== c.head) {
        add({ ...at, reason: 'contradicted' });
        firstContradicted ??= { n: c.n, seq: c.seq };
      } else {
        lastGood = { n: c.n, seq: c.seq, time: c.time };
      }
    }
    page = [];
  }

  for await (const input of params.inputs) {
    checked += 1;
    const source = input.source === undefined ? {} : { source: input.source };
    const c = parseCheckpoint(input.checkpoint);
    if (c === null) {
      add({ n: null, reason: 'malformed', ...source });
      continue;
    }
    const at: CheckpointProblem = { n: c.n, seq: c.seq, reason: 'malformed', ...source };
    if (c.deployment !== params.deployment) {
      add({ ...at, reason: 'wrong_deployment' });
      continue;
    }
    if (c.org !== params.org) {
      add({ ...at, reason: 'wrong_organisation' });
      continue;
    }
    const entry = keys.get(c.kid);
    if (entry === undefined || entry.object === null) {
      add({ ...at, reason: 'unknown_key' });
      continue;
    }
    const t = Date.parse(c.time);
    const from = Date.parse(entry.key.validFrom);
    const until = entry.key.validUntil === null ? Number.POSITIVE_INFINITY : Date.parse(entry.key.validUntil);
    if (entry.key.alg !== c.alg || t < from || t > until) {
      add({ ...at, reason: 'key_not_valid_then' });
      continue;
    }
    const body = bodyOf(c);
    if (checkpointHash(body) !== c.hash || !signatureHolds(body, c.signature, entry.object)) {
      add({ ...at, reason: 'bad_signature' });
      continue;
    }
    // A genuine checkpoint from here on: its link to the one before, then the chain against it.
    if (previous === null) {
      if (c.n !== 1 || c.prev !== FIRST_PREV) add({ ...at, reason: 'gap' });
    } else if (c.n === previous.n) {
      // The same checkpoint twice (e.g. delivered twice) is fine; two different ones with one
      // number cannot both come from this deployment's sequence.
      if (c.hash !== previous.hash) add({ ...at, reason: 'gap' });
      continue;
    } else if (c.n !== previous.n + 1 || c.prev !== previous.hash) {
      add({ ...at, reason: 'gap' });
    } else if (c.seq < previous.seq || Date.parse(c.time) < Date.parse(previous.time)) {
      add({ ...at, reason: 'out_of_order' });
    }
    previous = c;
    page.push({ c, at });
    if (page.length >= PAGE) await flush();
  }
  await flush();
  problems.sort((a, b) => (a.n ?? 0) - (b.n ?? 0));
  return { valid: problemCount === 0, checked, firstContradicted, problems, problemCount, lastGood };
}

/**
 * Orders checkpoint documents by their `n` (documents without one first), for inputs read from
 * files. Only `n` is read here: a document that fails a later check still sits in its place.
 */
export function sortByNumber(inputs: CheckpointInput[]): CheckpointInput[] {
  const n = (i: CheckpointInput) => {
    const value =
      typeof i.checkpoint === 'object' && i.checkpoint !== null
        ? (i.checkpoint as { n?: unknown }).n
        : undefined;
    return typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
  };
  return [...inputs].sort((a, b) => n(a) - n(b));
}
