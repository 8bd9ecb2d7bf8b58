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
