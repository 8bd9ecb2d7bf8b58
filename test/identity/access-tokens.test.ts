import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_TYP, AUDIENCE, createAccessTokens, ISSUER } from '../../src/identity/access-tokens.ts';
import { fakeClock } from './support.ts';

const key = randomBytes(32);
const otherKey = randomBytes(32);
const clock = fakeClock();
const tokens = createAccessTokens({ keys: [{ kid: 'k1', key }], ttlSeconds: 900, clock });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSec = () => Math.floor(clock.now().getTime() / 1000);

function claims(extra: Record<string, unknown> = {}) {
  return {
    sub: 'usr_x',
    sid: 'ses_x',
    jti: 'j1',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: nowSec(),
    exp: nowSec() + 600,
    ...extra,
  };
}

/** Signs an arbitrary header/payload with HMAC of the given hash, bypassing jose's checks. */
function handSigned(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret = key,
  hash = 'sha256',
) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

const goodHeader = { alg: 'HS256', kid: 'k1', typ: ACCESS_TOKEN_TYP };

describe('access tokens', () => {
  it('accepts its own tokens and a hand-built token of the exact shape', async () => {
    const { token, claims: issued } = await tokens.issue({ userId: 'usr_a', sessionId: 'ses_a' });
    expect(await tokens.verify(token)).toEqual(issued);
    expect(await tokens.verify(handSigned(goodHeader, claims()))).toMatchObject({
      sub: 'usr_x',
      sid: 'ses_x',
    });
  });

  it('refuses alg none (signed or unsigned)', async () => {
    const unsecured = new UnsecuredJWT(claims()).encode();
    expect(await tokens.verify(unsecured)).toBeNull();
    const noneWithKid = `${b64({ alg: 'none', kid: 'k1', typ: ACCESS_TOKEN_TYP })}.${b64(claims())}.`;
    expect(await tokens.verify(noneWithKid)).toBeNull();
  });

  it('refuses other algorithms, even keyed with the right secret', async () => {
    expect(
      await tokens.verify(handSigned({ ...goodHeader, alg: 'HS512' }, claims(), key, 'sha512')),
    ).toBeNull();
    expect(
      await tokens.verify(handSigned({ ...goodHeader, alg: 'HS384' }, claims(), key, 'sha384')),
    ).toBeNull();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: ACCESS_TOKEN_TYP })
      .sign(privateKey);
    expect(await tokens.verify(rs)).toBeNull();
  });

  it('refuses a token signed with a wrong key', async () => {
    expect(await tokens.verify(handSigned(goodHeader, claims(), otherKey))).toBeNull();
  });

  it('refuses an unknown or missing kid', async () => {
    expect(await tokens.verify(handSigned({ ...goodHeader, kid: 'k2' }, claims()))).toBeNull();
    const { kid: _kid, ...noKid } = goodHeader;
    expect(await tokens.verify(handSigned(noKid, claims()))).toBeNull();
  });

  it('accepts a rotated-out key only while it is configured', async () => {
    const old = createAccessTokens({ keys: [{ kid: 'old', key: otherKey }], ttlSeconds: 900, clock });
    const { token } = await old.issue({ userId: 'usr_a', sessionId: 'ses_a' });
    const both = createAccessTokens({
      keys: [
        { kid: 'k1', key },
        { kid: 'old', key: otherKey },
      ],
      ttlSeconds: 900,
      clock,
    });
    expect(await both.verify(token)).not.toBeNull();
    expect(await tokens.verify(token)).toBeNull();
  });

  it('refuses expired tokens', async () => {
    const { token } = await tokens.issue({ userId: 'usr_a', sessionId: 'ses_a' });
    clock.advance(901_000);
    expect(await tokens.verify(token)).toBeNull();
    expect(await tokens.verify(handSigned(goodHeader, claims({ exp: nowSec() - 1 })))).toBeNull();
  });

  it('refuses a tampered payload', async () => {
    const { token } = await tokens.issue({ userId: 'usr_a', sessionId: 'ses_a' });
    const [h, , s] = token.split('.');
    const forged = `${h}.${b64(claims({ sub: 'usr_admin', sid: 'ses_a' }))}.${s}`;
    expect(await tokens.verify(forged)).toBeNull();
    const flipped = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
    expect(await tokens.verify(flipped)).toBeNull();
  });

  it('refuses wrong typ, iss or aud, and missing claims', async () => {
    expect(await tokens.verify(handSigned({ ...goodHeader, typ: 'JWT' }, claims()))).toBeNull();
    expect(await tokens.verify(handSigned(goodHeader, claims({ iss: 'someone-else' })))).toBeNull();
    expect(await tokens.verify(handSigned(goodHeader, claims({ aud: 'other-api' })))).toBeNull();
    const { sid: _sid, ...noSid } = claims();
    expect(await tokens.verify(handSigned(goodHeader, noSid))).toBeNull();
    const { exp: _exp, ...noExp } = claims();
    expect(await tokens.verify(handSigned(goodHeader, noExp))).toBeNull();
  });

  it('refuses garbage and oversized input without throwing', async () => {
    for (const junk of ['', 'a.b.c', 'x'.repeat(5000), randomBytes(43).toString('base64url'), '...']) {
      expect(await tokens.verify(junk)).toBeNull();
    }
  });
});
