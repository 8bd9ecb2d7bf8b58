import { describe, expect, it } from 'vitest';
import { REDACTED, redactDeep, redactUrl } from './logging.ts';

describe('log redaction', () => {
  it('redacts secret-looking fields at any depth', () => {
    const out = redactDeep({
      password: 'p',
      nested: {
        refreshToken: 'r',
        list: [{ apiKey: 'k', externalId: 'e', ok: 1 }],
        secretAccessKey: 's',
        sessionToken: 't',
      },
      totpSecret: 'x',
      authorization: 'Bearer y',
      name: 'visible',
    });
    expect(JSON.stringify(out)).not.toMatch(/"(p|r|k|e|s|t|x|Bearer y)"/);
    expect(out).toMatchObject({ name: 'visible', password: REDACTED, nested: { list: [{ ok: 1 }] } });
  });

  it('redacts secret query parameters but keeps the path', () => {
    expect(redactUrl('/v1/x?token=abc&limit=5')).toBe(`/v1/x?token=${encodeURIComponent(REDACTED)}&limit=5`);
    expect(redactUrl('/v1/x')).toBe('/v1/x');
  });
});

describe('redactUrl and OpenID Connect redirects', () => {
  it('redacts the authorization code and state of the SSO callback, keeping the path', () => {
    const out = redactUrl('/v1/auth/sso/callback?code=abc123&state=xyz&iss=https%3A%2F%2Fidp');
    expect(out).not.toContain('abc123');
    expect(out).not.toContain('xyz');
    expect(out).toContain('/v1/auth/sso/callback?');
    expect(out).toContain('iss=');
  });
});
