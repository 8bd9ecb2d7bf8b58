import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FORMAT,
  type CheckpointBody,
  checkpointHash,
  FIRST_PREV,
  signedBytes,
} from '../../src/audit/checkpoints/format.ts';
import { derToP1363 } from '../../src/audit/checkpoints/signer.ts';
import { verifyCheckpoints } from '../../src/audit/checkpoints/verify.ts';

const head = 'a'.repeat(64);
const body: CheckpointBody = {
  deployment: 'acme-prod',
  org: 'org_x',
  n: 1,
  seq: 3,
  head,
  time: '2026-11-30T02:00:00.000Z',
  prev: FIRST_PREV,
  kid: 'p256',
  alg: 'ES256',
};

describe('checkpoint format', () => {
  it('signs exactly the documented ten lines', () => {
    expect(signedBytes(body).toString('utf8')).toBe(
      `rolegate-audit-checkpoint/v1\ndeployment=acme-prod\norg=org_x\nn=1\nseq=3\nhead=${head}\n` +
        `time=2026-11-30T02:00:00.000Z\nprev=${FIRST_PREV}\nkid=p256\nalg=ES256\n`,
    );
  });

  it('refuses a value that could smuggle a line into the signed text', () => {
    expect(() => signedBytes({ ...body, org: 'org_x\nseq=999' })).toThrow(/org/);
    expect(() => signedBytes({ ...body, deployment: 'a=b' })).toThrow(/deployment/);
    expect(() => signedBytes({ ...body, time: '2026-11-30T02:00:00Z' })).toThrow(/time/);
  });

  it('verifies ES256 (P-256, r||s) signatures, refuses DER and one under the wrong algorithm', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const raw = sign('sha256', signedBytes(body), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(raw.length).toBe(64);
    // The signer turns KMS's DER into exactly this form.
    const der = sign('sha256', signedBytes(body), privateKey);
    expect(
      verify('sha256', signedBytes(body), { key: publicKey, dsaEncoding: 'ieee-p1363' }, derToP1363(der)),
    ).toBe(true);
    const signature = raw.toString('base64');
    const cp = { format: CHECKPOINT_FORMAT, ...body, hash: checkpointHash(body), signature };
    const keys = [
      {
        kid: 'p256',
        alg: 'ES256' as const,
        jwk: publicKey.export({ format: 'jwk' }),
        validFrom: '2026-01-01T00:00:00.000Z',
        validUntil: null,
      },
    ];
    const run = (inputs: unknown[], k = keys) =>
      verifyCheckpoints({
        org: 'org_x',
        deployment: 'acme-prod',
        keys: k,
        inputs: inputs.map((checkpoint) => ({ checkpoint })),
        hashesAt: async () => new Map([[3, head]]),
      });
    expect(await run([cp])).toMatchObject({ valid: true, lastGood: { n: 1, seq: 3 } });
    expect(await run([{ ...cp, signature: der.toString('base64') }])).toMatchObject({
      problems: [{ reason: 'bad_signature' }],
    });
    expect(await run([cp], [{ ...keys[0]!, alg: 'EdDSA' as never }])).toMatchObject({
      problems: [{ reason: 'key_not_valid_then' }],
    });
    expect(await run([cp], [{ ...keys[0]!, validFrom: '2026-12-01T00:00:00.000Z' }])).toMatchObject({
      problems: [{ reason: 'key_not_valid_then' }],
    });
  });
});
