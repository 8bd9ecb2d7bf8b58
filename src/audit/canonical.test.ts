import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDetails, canonicaliseRecord, canonicalText, storedRecord } from './canonical.ts';
import { type ChainedRecord, canonicalJson, GENESIS_HASH, recordHash } from './chain.ts';

/** Any UTF-16 string: lone surrogates, NUL, astral characters, and long runs around the bounds. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\u0000', '\ud83d', '\ude00'), maxLength: 1500 }),
  fc
    .tuple(fc.integer({ min: 0, max: 1100 }), fc.string({ unit: 'binary', maxLength: 8 }))
    .map(([n, tail]) => 'a'.repeat(n) + tail),
);

describe('canonicalText', () => {
  it('is well-formed, NUL-free, within the byte bound, a prefix of the cleaned input, and idempotent', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 1100 }), (value, max) => {
        const text = canonicalText(value, max);
        expect(text.isWellFormed()).toBe(true);
        expect(text).not.toContain('\u0000');
        expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(max);
        expect(value.toWellFormed().replaceAll('\u0000', '').startsWith(text)).toBe(true);
        expect(canonicalText(text, max)).toBe(text);
        // What the database stores (UTF-8) decodes to the same string.
        expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('cuts on a code-point boundary and keeps as much as fits', () => {
    expect(canonicalText(`${'a'.repeat(1023)}😀`, 1024)).toBe('a'.repeat(1023));
    expect(canonicalText(`${'a'.repeat(1020)}😀`, 1024)).toBe(`${'a'.repeat(1020)}😀`);
    expect(canonicalText('\ud83dx\u0000y', 10)).toBe('\ufffdxy');
  });
});

describe('canonicalDetails', () => {
  it('is JSON data that survives a JSON round trip unchanged, bounded, and idempotent', () => {
    const anyJson = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        anyText,
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 60 }),
        fc.dictionary(anyText, tie('value'), { maxKeys: 60 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(anyText, anyJson, { maxKeys: 60 }), (raw) => {
        const details = canonicalDetails(raw);
        const json = canonicalJson(details);
        expect(json.isWellFormed()).toBe(true);
        expect(json).not.toMatch(/\\u0000|\\ud[89a-f]/i);
        expect(Buffer.byteLength(json, 'utf8')).toBeLessThanOrEqual(4096);
        expect(canonicalJson(JSON.parse(JSON.stringify(details)))).toBe(json);
        expect(canonicalJson(canonicalDetails(JSON.parse(json)))).toBe(json);
      }),
      { numRuns: 300 },
    );
  });

  it('writes keys that need no JSON escape, so a jsonb read-back cannot lose one', () => {
    const details = canonicalDetails({ '': 0, '\u0002': [], '\\': null, '"': 1, a: null });
    for (const key of Object.keys(details)) expect(key).not.toMatch(/["\\]/);
    for (const key of Object.keys(details))
      for (const c of key) expect(c.charCodeAt(0)).toBeGreaterThanOrEqual(0x20);
    // The parser state that made V8 drop an escaped key (Node 24), then the round trip.
    JSON.parse('{"": 0, "\\\\": null}');
    expect(canonicalJson(JSON.parse(JSON.stringify(details)))).toBe(canonicalJson(details));
  });

  it('keeps a __proto__ key as data', () => {
    const details = canonicalDetails(JSON.parse('{"__proto__":{"x":1},"a":2}'));
    expect(canonicalJson(details)).toBe('{"__proto__":{"x":1},"a":2}');
    expect(JSON.stringify(details)).toContain('"__proto__"');
  });
});

describe('canonical and stored records', () => {
  const base: ChainedRecord = {
    id: 'aud_0000000000000000000000000',
    chain: 'org_x',
    orgId: 'org_x',
    seq: 1,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    actorType: 'user',
    actorId: null,
    actorRef: null,
    action: 'a.b',
    outcome: 'success',
    targetType: null,
    targetId: null,
    targetRef: null,
    connectionId: null,
    operation: null,
    resource: `${'r'.repeat(1100)}`,
    errorCode: null,
    requestId: null,
    ip: null,
    ipRef: null,
    userAgent: null,
    userAgentRef: null,
    details: {},
    prevHash: GENESIS_HASH,
  };

  it('hashes a stored record as stored: an edit past a bound is not cut back into shape', () => {
    const canonical = canonicaliseRecord(base);
    expect(Buffer.byteLength(canonical.resource ?? '', 'utf8')).toBe(1024);
    const hash = recordHash(canonical);
    const asRead = storedRecord({ ...canonical, details: JSON.parse(JSON.stringify(canonical.details)) });
    expect(asRead && recordHash(asRead)).toBe(hash);
    const lengthened = storedRecord({ ...canonical, resource: `${canonical.resource}tail` });
    expect(lengthened && recordHash(lengthened)).not.toBe(hash);
    // Nothing a database returns, but never hashed either.
    expect(storedRecord({ ...canonical, action: 'a\u0000b' })).toBeNull();
    expect(storedRecord({ ...canonical, action: '\ud83d' })).toBeNull();
  });

  it('refuses system fields that are not canonical instead of cutting them', () => {
    expect(() => canonicaliseRecord({ ...base, prevHash: 'x'.repeat(200) })).toThrow(/not canonical/);
    expect(() => canonicaliseRecord({ ...base, seq: 0 })).toThrow(/not canonical/);
  });
});
