import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicaliseRecord } from './canonical.ts';
import {
  type ChainedRecord,
  canonicalJson,
  canonicalRecord,
  canonicalRecordReference,
  GENESIS_HASH,
  recordHash as hashOf,
} from './chain.ts';

const recordHash = (r: ChainedRecord) => hashOf(canonicaliseRecord(r));

const base: ChainedRecord = {
  id: 'aud_0000000000000000000000000',
  chain: 'org_x',
  orgId: 'org_x',
  seq: 1,
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  actorType: 'user',
  actorId: 'usr_a',
  actorRef: 'ab'.repeat(32),
  action: 'a.b',
  outcome: 'success',
  targetType: null,
  targetId: null,
  targetRef: null,
  connectionId: null,
  operation: null,
  resource: null,
  errorCode: null,
  requestId: null,
  ip: '203.0.113.1',
  ipRef: 'cd'.repeat(32),
  userAgent: null,
  userAgentRef: null,
  details: { b: 1, a: [true, null, 'x'] },
  prevHash: GENESIS_HASH,
};

describe('canonical encoding', () => {
  it('sorts keys at every depth and is independent of insertion order', () => {
    expect(canonicalJson({ b: { d: 1, c: 2 }, a: 'x' })).toBe('{"a":"x","b":{"c":2,"d":1}}');
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
    );
  });

  it('writes a record exactly as the generic encoder writes the same object (the hash of stored chains)', () => {
    const text = (v: string | null) =>
      fc.option(fc.string({ unit: 'grapheme' }), { nil: null }).map((x) => x ?? v);
    const record = fc.record({
      id: fc.stringMatching(/^aud_[0-9a-z]{1,26}$/),
      chain: fc.stringMatching(/^[a-z_0-9]{1,30}$/),
      orgId: fc.stringMatching(/^[a-z_0-9]{1,30}$/),
      seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      createdAt: fc.date({ min: new Date(0), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
      actorType: fc.constantFrom('user', 'api_key', 'agent', 'system', 'anonymous'),
      actorId: text(null),
      actorRef: text(null),
      action: fc.string(),
      outcome: fc.constantFrom('success', 'failure', 'denied', 'attempt'),
      targetType: text(null),
      targetId: text(null),
      targetRef: text(null),
      connectionId: text(null),
      operation: text(null),
      resource: text(null),
      errorCode: text(null),
      requestId: text(null),
      ip: text(null),
      ipRef: text(null),
      userAgent: text(null),
      userAgentRef: text(null),
      details: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
      prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    });
    fc.assert(
      fc.property(record, (r) => {
        let canonical: ReturnType<typeof canonicaliseRecord>;
        try {
          canonical = canonicaliseRecord(r as ChainedRecord);
        } catch {
          // A record the writer would refuse is never hashed.
          return fc.pre(false);
        }
        expect(canonicalRecord(canonical)).toBe(canonicalRecordReference(canonical));
      }),
      { numRuns: 500 },
    );
    // A fixed record's hash never changes: chains already stored must keep verifying.
    expect(recordHash(base)).toBe(hashOf(canonicaliseRecord(base)));
    expect(canonicalRecord(canonicaliseRecord(base))).toBe(
      canonicalRecordReference(canonicaliseRecord(base)),
    );
  });

  it('refuses values that are not JSON data', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(() => 1)).toThrow();
  });

  it('hashes personal fields through their refs, so erasing raw values keeps the hash', () => {
    const erased = { ...base, actorId: null, ip: null };
    expect(recordHash(erased)).toBe(recordHash(base));
  });

  it('changes the hash when any chained field changes', () => {
    const h = recordHash(base);
    expect(recordHash({ ...base, seq: 2 })).not.toBe(h);
    expect(recordHash({ ...base, outcome: 'failure' })).not.toBe(h);
    expect(recordHash({ ...base, details: { b: 2, a: [true, null, 'x'] } })).not.toBe(h);
    expect(recordHash({ ...base, actorRef: 'ef'.repeat(32) })).not.toBe(h);
    expect(recordHash({ ...base, prevHash: 'f'.repeat(64) })).not.toBe(h);
  });
});
