import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';

// One canary per secret kind; none may ever appear in a log line, wherever it was sent.
const CANARY = {
  password: 'canary-password-7f3a91',
  token: 'canary-token-0b8e22',
  refreshToken: 'canary-refresh-5c1d07',
  apiKey: 'rg_live_canaryprefix_canarysecret9d4e',
  cookie: 'canary-cookie-61aa3c',
  totpSecret: 'CANARYTOTPSECRET2QZ',
  externalId: 'rg-canary-external-id-8e2f',
  secretAccessKey: 'canarySecretAccessKey+/4411',
  sessionToken: 'canary-session-token-77c0',
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    extend: (app) => {
      // A route that logs everything it received, as careless code might.
      app.post('/__test/log-all', async (request) => {
        request.log.info({ body: request.body, headers: request.headers, query: request.query }, 'received');
        return { ok: true };
      });
      app.post('/__test/fail-with-secrets', async (request) => {
        const err = Object.assign(new Error('upstream failed'), {
          credentials: { secretAccessKey: CANARY.secretAccessKey, sessionToken: CANARY.sessionToken },
          externalId: CANARY.externalId,
        });
        request.log.warn({ err, input: request.body }, 'about to fail');
        throw err;
      });
    },
  });
});
afterAll(async () => t.close());

describe('log redaction canary', () => {
  it('no secret sent in headers, cookies, query or body reaches the log', async () => {
    const body = {
      password: CANARY.password,
      nested: {
        refreshToken: CANARY.refreshToken,
        deeper: [{ totpSecret: CANARY.totpSecret, externalId: CANARY.externalId }],
      },
      credentials: { secretAccessKey: CANARY.secretAccessKey, sessionToken: CANARY.sessionToken },
      apiKey: CANARY.apiKey,
    };
    const res = await t.app.inject({
      method: 'POST',
      url: `/__test/log-all?token=${CANARY.token}&api_key=${encodeURIComponent(CANARY.apiKey)}`,
      headers: {
        authorization: `Bearer ${CANARY.token}`,
        cookie: `rg_session=${CANARY.cookie}`,
        'x-api-key': CANARY.apiKey,
      },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    const fail = await t.app.inject({ method: 'POST', url: '/__test/fail-with-secrets', payload: body });
    expect(fail.statusCode).toBe(500);
    const logs = t.logs();
    expect(logs).toContain('received');
    expect(logs).toContain('upstream failed');
    for (const [kind, value] of Object.entries(CANARY)) {
      expect(logs.includes(value), `${kind} leaked into the log`).toBe(false);
    }
    for (const value of Object.values(CANARY)) expect(fail.body).not.toContain(value);
  });
});
