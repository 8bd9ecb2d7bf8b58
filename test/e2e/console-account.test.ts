import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium } from './browser.ts';

/**
 * The console's account journeys end to end (the real server on 127.0.0.1, Debian's Chromium):
 * a signed-out load without console errors, the API documentation page, sign-in history and
 * revoking a session. One app and one browser for the file; steps run in order.
 */

const SHOTS = 'test-results/e2e';
const PASSWORD = 'a long enough passphrase 42';
const email = `e2e-account-${Date.now()}@example.com`;
const PHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';

let t: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let baseUrl: string;
let invitee = '';

async function shot(name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  t = await createTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A login from another device, straight against the API (its own address and user agent). */
async function loginElsewhere(): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': PHONE_UA },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string; refreshToken: string };
}

const meStatus = async (token: string) =>
  (await fetch(`${baseUrl}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;

describe.sequential('console: account', () => {
  it('loads signed out with zero browser console errors (no 401 from the session probe, a favicon)', async () => {
    const errors: string[] = [];
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    const res = await page.goto(`${baseUrl}/`);
    expect(res?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    const icon = await page.request.get(`${baseUrl}/favicon.ico`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toMatch(/icon/);
    // Let the probe and the favicon request settle, then look.
    await page.waitForLoadState('networkidle');
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    page.removeAllListeners('console');
    page.removeAllListeners('pageerror');
    page.removeAllListeners('response');
  });

  it('serves the API documentation (/docs) without a CSP error', async () => {
    const errors: string[] = [];
    const onConsole = (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') errors.push(m.text());
    };
    page.on('console', onConsole);
    await page.goto(`${baseUrl}/docs`);
    await page.getByRole('heading', { name: /Rolegate API/ }).waitFor();
    await page
      .getByRole('button', { name: /Authorize/ })
      .first()
      .waitFor();
    page.off('console', onConsole);
    expect(errors).toEqual([]);
  });

  it('signs up in the browser', async () => {
    await page.goto(`${baseUrl}/`);
    await page.getByRole('button', { name: 'No account yet? Sign up' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Organisation name (optional)').fill('Acme Account Tests');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'AWS connections' }).waitFor();
    await page
      .getByRole('combobox', { name: 'Organisation' })
      .getByText(/Acme Account Tests/)
      .waitFor({ state: 'attached' });
  });

  it('lists where the user is signed in and signs out another device', async () => {
    const phone = await loginElsewhere();
    const spare = await loginElsewhere();
    await page.getByRole('link', { name: 'Security' }).click();
    const table = page.getByTestId('sessions');
    await table.waitFor();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    await table.getByText('this browser').waitFor();
    expect(await table.getByText('Safari on iPhone').count()).toBe(2);
    await shot('account-01-sessions');

    // Sign out one phone session: its access token dies at the next request.
    await table
      .getByRole('button', { name: /Sign out Safari on iPhone/ })
      .first()
      .click();
    await page.getByText('Signed out Safari on iPhone.').waitFor();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    const statuses = [await meStatus(phone.accessToken), await meStatus(spare.accessToken)].sort();
    expect(statuses).toEqual([200, 401]);

    // Everywhere else: only this browser is left, and it still works.
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page.getByText('Signed out 1 other session.').waitFor();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await meStatus(phone.accessToken)).toBe(401);
    expect(await meStatus(spare.accessToken)).toBe(401);
    await page.reload();
    await page.getByTestId('sessions').getByText('this browser').waitFor();
  });

  it('invites by link: the invitee signs up from the link and joins this organisation, with none of their own', async () => {
    invitee = `e2e-invitee-${Date.now()}@example.com`;
    await page.getByRole('link', { name: 'Members' }).click();
    const form = page.getByRole('form', { name: 'Invite a member' });
    await form.getByLabel('Email').fill(invitee);
    await form.getByLabel('Role').selectOption('member');
    await form.getByRole('button', { name: 'Invite' }).click();
    const link = (await page.getByTestId('invitation-link').textContent())?.trim() ?? '';
    expect(link).toMatch(new RegExp(`^${baseUrl}/invite#token=`));
    await shot('account-02-invitation-link');

    // The invitee: another browser, no account yet.
    const other = await browser.newContext({ viewport: { width: 1366, height: 860 } });
    const guest = await other.newPage();
    guest.setDefaultTimeout(15_000);
    await guest.goto(link);
    await guest.getByTestId('invitation-notice').waitFor();
    expect(await guest.getByLabel('Organisation name (optional)').count()).toBe(0);
    await guest.getByLabel('Email').fill(invitee);
    await guest.getByLabel('Password').fill(PASSWORD);
    await guest.getByRole('button', { name: 'Sign up' }).click();
    await guest.getByRole('heading', { name: 'AWS connections' }).waitFor();
    expect(new URL(guest.url()).hash).toBe('');
    const orgs = guest.getByRole('combobox', { name: 'Organisation' }).locator('option');
    await expect.poll(() => orgs.allTextContents()).toEqual(['Acme Account Tests (member)']);
    await guest.screenshot({ path: `${SHOTS}/account-03-invitee-joined.png`, fullPage: true });
    await other.close();

    // The inviter sees the new member.
    await page.reload();
    await page.getByRole('cell', { name: invitee }).waitFor();
  });

  it('shows a member only what a member may do, and fits a 360-px phone without sideways scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const member = await phone.newPage();
    member.setDefaultTimeout(15_000);
    await member.goto(`${baseUrl}/`);
    await member.getByLabel('Email').fill(invitee);
    await member.getByLabel('Password').fill(PASSWORD);
    await member.getByRole('button', { name: 'Log in' }).click();
    await member.getByRole('heading', { name: 'AWS connections' }).waitFor();

    // No controls the member role cannot use: no connect, no API keys, audit log or webhooks pages.
    expect(await member.getByRole('button', { name: 'Connect an AWS account' }).count()).toBe(0);
    const nav = member.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Connections',
      'AWS Organizations',
      'Waste findings',
      'Members',
      'Approvals',
      'Security',
    ]);
    // A page the member may read shows no controls for admins (creating a group of accounts).
    await member.goto(`${baseUrl}/organizations`);
    await member.getByRole('heading', { name: 'AWS Organizations' }).waitFor();
    expect(await member.getByRole('button', { name: 'Create group' }).count()).toBe(0);
    // A deep link to a page the role lacks says so instead of showing dead controls.
    await member.goto(`${baseUrl}/keys`);
    await member.getByTestId('page-not-allowed').waitFor();
    expect(await member.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    await member.goto(`${baseUrl}/audit`);
    await member.getByTestId('page-not-allowed').waitFor();
    expect(await member.getByRole('button', { name: /Export/ }).count()).toBe(0);

    const overflow = () =>
      member.evaluate(() => {
        const d = globalThis as unknown as {
          document: { scrollingElement: { scrollWidth: number } };
          innerWidth: number;
        };
        return { scrollWidth: d.document.scrollingElement.scrollWidth, innerWidth: d.innerWidth };
      });
    for (const path of [
      '/connections',
      '/organizations',
      '/findings',
      '/members',
      '/approvals',
      '/security',
    ]) {
      await member.goto(`${baseUrl}${path}`);
      await member.getByRole('navigation', { name: 'Main' }).waitFor();
      await member.waitForLoadState('networkidle');
      const { scrollWidth, innerWidth } = await overflow();
      expect(innerWidth).toBe(360);
      expect(scrollWidth, path).toBeLessThanOrEqual(innerWidth);
    }
    await member.screenshot({ path: `${SHOTS}/account-04-member-360px.png`, fullPage: true });
    await phone.close();
  });
});
