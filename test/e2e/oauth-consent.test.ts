import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';
import { freePort } from '../oauth/helpers.ts';
import { launchChromium } from './browser.ts';

/**
 * The OAuth consent screen in Chromium: an MCP client's authorization request lands on the
 * console, the user signs in, sees the client, approves read-only for one organisation, and the
 * browser goes back to the client with a code; the Security page then lists and revokes the grant.
 */

const SHOTS = 'test-results/e2e';

let t: TestApp;
let browser: Browser;
let page: Page;
let baseUrl: string;
let user: TestUser;
/** The MCP client's loopback redirect listener (what a CLI client runs while the user consents). */
let callback: Server;
let REDIRECT_URI = '';
let returned: URL | null = null;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  t = await createTestApp({ env: { ROLEGATE_PUBLIC_URL: baseUrl } });
  await t.app.listen({ host: '127.0.0.1', port });
  user = await createTestUser(t, { password: TEST_PASSWORD });
  callback = createServer((req, res) => {
    const url = new URL(req.url ?? '/', REDIRECT_URI);
    // Only the redirect itself: the browser also asks this origin for /favicon.ico, and that
    // request, when it lands after the redirect, must not replace what the client received.
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    returned = url;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('client received the code');
  });
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  const address = callback.address();
  REDIRECT_URI = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/callback`;
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await browser?.close();
  callback?.close();
  await t?.close();
});

describe.sequential('OAuth consent in the console', () => {
  it('signs in, shows the client, approves read-only, and returns a code to the client', async () => {
    const reg = await fetch(`${baseUrl}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Playwright Agent', redirect_uris: [REDIRECT_URI] }),
    });
    const { client_id: clientId } = (await reg.json()) as { client_id: string };
    const verifier = randomBytes(32).toString('base64url');
    const auth = new URL(`${baseUrl}/oauth/auth`);
    auth.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'mcp',
      resource: `${baseUrl}/mcp`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 's1',
    }).toString();
    await page.goto(auth.href);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('Email').fill(`${user.userId}@example.test`);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Authorize Playwright Agent' }).waitFor();
    expect(await page.getByTestId('consent-redirect').textContent()).toBe(REDIRECT_URI);
    expect(await page.getByTestId('consent-read-only').isChecked()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/oauth-consent.png`, fullPage: true });
    await page.getByTestId('consent-approve').click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    expect(returned).not.toBeNull();
    const back = returned as unknown as URL;
    expect(back.searchParams.get('state')).toBe('s1');
    expect(back.searchParams.get('code')).toBeTruthy();

    const token = await fetch(`${baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }).toString(),
    });
    expect(token.status).toBe(200);
  });

  it('lists the grant on the Security page and revokes it', async () => {
    await page.goto(`${baseUrl}/security`);
    const table = page.getByTestId('agent-grants');
    await table.waitFor();
    expect(await table.textContent()).toContain('Playwright Agent');
    expect(await table.textContent()).toContain('read-only');
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No MCP client is authorized.').waitFor();
    const list = await t.app.inject({ method: 'GET', url: '/v1/oauth/grants', headers: user.headers });
    expect(list.json().items).toEqual([]);
  });
});
