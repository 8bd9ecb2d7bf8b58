import { createPublicKey } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { DbOrTx } from '../../db/client.ts';
import { recordHashesAt } from '../store.ts';
import { type ChainVerification, verifyChain } from '../verify.ts';
import type { CheckpointAlgorithm, PublishedKey } from './format.ts';
import {
  type CheckpointInput,
  type CheckpointVerification,
  parseCheckpoint,
  sortByNumber,
  verifyCheckpoints,
} from './verify.ts';

/**
 * `rolegate audit verify --checkpoints <dir | s3://bucket/prefix> --public-key <file | url>`: checks
 * the chain in the database against checkpoints the customer holds (docs/audit.md). The keys are
 * the customer's copy (a saved keys document, its URL, or one PEM public key), never the database's.
 */

/** Largest checkpoint file read (a checkpoint is well under 1 KiB). */
const MAX_FILE_BYTES = 64 * 1024;

export interface VerificationKeys {
  /** The deployment the keys document names (null for a bare PEM key). */
  deployment: string | null;
  keys: PublishedKey[];
  /** A bare PEM key applies to every key id, at any time. */
  anyKid: PublishedKey | null;
}

function pemKey(text: string): PublishedKey {
  const key = createPublicKey(text);
  const type = key.asymmetricKeyType;
  const alg: CheckpointAlgorithm | null =
    type === 'ed25519'
      ? 'EdDSA'
      : type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
        ? 'ES256'
        : null;
  if (alg === null) throw new Error('--public-key: only Ed25519 and P-256 public keys sign checkpoints');
  return {
    kid: '*',
    alg,
    jwk: key.export({ format: 'jwk' }),
    validFrom: new Date(0).toISOString(),
    validUntil: null,
  };
}

/** Keys from a keys document (file or http(s) URL) or a PEM public key file. */
export async function loadVerificationKeys(
  source: string,
  fetchText: (url: string) => Promise<string> = async (url) => {
    const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`--public-key: ${url} answered ${res.status}`);
    return res.text();
  },
): Promise<VerificationKeys> {
  const text = /^https?:\/\//.test(source) ? await fetchText(source) : await readFile(source, 'utf8');
  if (text.includes('-----BEGIN PUBLIC KEY-----'))
    return { deployment: null, keys: [], anyKid: pemKey(text) };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('--public-key: neither a keys document (JSON) nor a PEM public key');
  }
  const d = doc as { format?: unknown; deployment?: unknown; keys?: unknown };
  if (d.format !== 'rolegate-audit-keys/v1' || !Array.isArray(d.keys)) {
    throw new Error('--public-key: not a rolegate-audit-keys/v1 document');
  }
  return {
    deployment: typeof d.deployment === 'string' ? d.deployment : null,
    keys: d.keys as PublishedKey[],
    anyKid: null,
  };
}

/** Every `*.json` file under `dir` (recursively), as checkpoint inputs in number order. */
export async function readCheckpointDir(dir: string): Promise<CheckpointInput[]> {
  const inputs: CheckpointInput[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, 'utf8');
    let checkpoint: unknown = null;
    if (text.length <= MAX_FILE_BYTES) {
      try {
        checkpoint = JSON.parse(text);
      } catch {
        checkpoint = null;
      }
    }
    inputs.push({ checkpoint, source: relative(dir, path) });
  }
  return sortByNumber(inputs);
}

/**
 * Every `*.json` object under `s3://bucket/prefix`, read with the credentials of whoever runs the
 * command (the customer's own, from the SDK's default chain): this reads the customer's copy, it is
 * not a brokered call into a connection.
 */
export async function readCheckpointsFromS3(
  url: string,
  aws: { region: string; endpointUrl: string | undefined },
  client: S3Client = new S3Client({
    region: aws.region,
    ...(aws.endpointUrl === undefined ? {} : { endpoint: aws.endpointUrl, forcePathStyle: true }),
  }),
): Promise<CheckpointInput[]> {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (m === null) throw new Error('--checkpoints: expected s3://bucket/prefix');
  const bucket = m[1] as string;
  const prefix = m[2] ?? '';
  const inputs: CheckpointInput[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined || !key.endsWith('.json')) continue;
      let checkpoint: unknown = null;
      if ((object.Size ?? 0) <= MAX_FILE_BYTES) {
        const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        try {
          checkpoint = JSON.parse((await body.Body?.transformToString('utf8')) ?? '');
        } catch {
          checkpoint = null;
        }
      }
      inputs.push({ checkpoint, source: key });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return sortByNumber(inputs);
}

export interface CheckpointVerifyReport {
  valid: boolean;
  org: string;
  deployment: string;
  chain: ChainVerification;
  checkpoints: CheckpointVerification;
}

export async function runCheckpointVerify(
  db: DbOrTx,
  options: {
    org?: string | undefined;
    deployment?: string | undefined;
    inputs: CheckpointInput[];
    keys: VerificationKeys;
    write: (line: string) => void;
  },
): Promise<CheckpointVerifyReport> {
  const named = options.inputs.map((i) => parseCheckpoint(i.checkpoint)).find((c) => c !== null);
  const org = options.org ?? named?.org;
  if (org === undefined) throw new Error('no checkpoint names an organisation: pass --org');
  const deployment = options.deployment ?? options.keys.deployment ?? undefined;
  if (deployment === undefined) throw new Error('the public key names no deployment: pass --deployment');
  let keys = options.keys.keys;
  const any = options.keys.anyKid;
  if (any !== null) {
    const kids = new Set(
      options.inputs.map((i) => parseCheckpoint(i.checkpoint)?.kid).filter((k) => k !== undefined),
    );
    keys = [...kids].map((kid) => ({ ...any, kid }));
  }
  // Every record re-hashed, and the database's own verification marker neither trusted nor moved.
  const chain = await verifyChain(db, org, { full: true, checkpoint: false });
  const checkpoints = await verifyCheckpoints({
    org,
    deployment,
    keys,
    inputs: options.inputs,
    hashesAt: (seqs) => recordHashesAt(db, org, seqs),
  });
  const w = options.write;
  w(
    chain.valid
      ? `chain   ${org}: ${chain.headSeq} records, every link intact\n`
      : `BROKEN  ${org}: ${chain.breakCount} break(s) in the chain itself (see rolegate audit verify --full)\n`,
  );
  if (checkpoints.valid) {
    const last = checkpoints.lastGood;
    w(
      `ok      ${org}: matches all ${checkpoints.checked} checkpoint(s)` +
        (last === null ? '\n' : ` (last #${last.n} at seq ${last.seq}, ${last.time})\n`),
    );
  } else {
    const first = checkpoints.firstContradicted;
    w(
      `BROKEN  ${org}: ` +
        (first === null
          ? `${checkpoints.problemCount} problem(s) with the checkpoints\n`
          : `contradicts checkpoint #${first.n} (seq ${first.seq}); ${checkpoints.problemCount} problem(s)\n`),
    );
    for (const p of checkpoints.problems) {
      const where = p.n === null ? '?' : `#${p.n}${p.seq === undefined ? '' : ` seq ${p.seq}`}`;
      w(`        ${where}: ${p.reason}${p.source === undefined ? '' : ` (${p.source})`}\n`);
    }
  }
  return { valid: chain.valid && checkpoints.valid, org, deployment, chain, checkpoints };
}
