import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import { ssoDomains } from '../../src/sso/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';
import { freePort } from '../oauth/helpers.ts';
import { startTestIdp, type TestIdp } from '../sso/idp.ts';
import { launchChromium } from './browser.ts';

/**
 * Single sign-on in Chromium: "Sign in with SSO" on the console's sign-in screen, the real OpenID
 * Provider's login page (oidc-provider, test/sso/idp.ts), and back to the console signed in with
 * the role the provider's groups grant.
 */

const SHOTS = 'test-results/e2e';
const DOMAIN = 'e2e-sso.test';

let t: TestApp;
let idp: TestIdp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  idp = await startTestIdp({ redirectUri: `${baseUrl}/v1/auth/sso/callback` });
  t = await createTestApp({
    env: { ROLEGATE_PUBLIC_URL: baseUrl, ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' },
  });
  await t.app.listen({ host: '127.0.0.1', port });
  const owner = await createTestUser(t, { role: 'owner' });
  await t.database.db
    .insert(ssoDomains)
    .values({ id: newId('dom'), orgId: owner.orgId, domain: DOMAIN, token: 'x', verifiedAt: new Date() });
  const put = await t.app.inject({
    method: 'PUT',
    url: `/v1/orgs/${owner.orgId}/sso`,
    headers: { ...owner.headers, 'content-type': 'application/json' },
    payload: {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      scopes: ['openid', 'email', 'profile', 'groups'],
      allowedDomains: [DOMAIN],
      roleMapping: { claim: 'groups', rules: [{ value: 'aws-admins', role: 'admin' }], defaultRole: null },
    },
  });
  expect(put.statusCode, put.body).toBe(200);
  idp.accounts.set('kim', {
    email: `kim@${DOMAIN}`,
    email_verified: true,
    name: 'Kim',
    groups: ['aws-admins'],
  });
  idp.usePage();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(baseUrl);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await idp?.close();
});

describe.sequential('Sign in with SSO in the console', () => {
  it('goes through the provider’s login page and comes back signed in with the mapped role', async () => {
    await page.getByRole('heading', { name: 'Sign in with SSO' }).waitFor();
    await page.getByLabel('Work address').fill(`kim@${DOMAIN}`);
    await page.getByRole('button', { name: 'Continue with SSO' }).click();
    await page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/sso-01-idp-login.png` });
    await page.getByLabel('Username').fill('kim');
    await page.getByRole('button', { name: 'Sign in to the IdP' }).click();
    await page.getByText(`kim@${DOMAIN}`).waitFor();
    await page.screenshot({ path: `${SHOTS}/sso-02-signed-in.png` });
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'rolegate_refresh')?.httpOnly).toBe(true);
    // The admin role from the provider's groups: the Single sign-on page is readable.
    await page.getByRole('link', { name: 'Single sign-on' }).click();
    await page.getByRole('heading', { name: 'Single sign-on' }).waitFor();
    await expect.poll(() => page.getByLabel('Issuer URL').inputValue()).toBe(idp.issuer);
  });
});
