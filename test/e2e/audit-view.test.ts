import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  CreateSnapshotCommand,
  DeleteVolumeCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Volume,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertConnection, insertFinding, mockSts } from '../scans/harness.ts';
import { launchChromium } from './browser.ts';

/**
 * The audit view end to end (the real server on 127.0.0.1, Debian's Chromium at 1,366 px): people
 * by name instead of ids, a clean-up dry run told apart from a real deletion (both made through the
 * real clean-up API, AWS mocked), the record drawer by keyboard, filters and the page cursor in the
 * URL across reloads, and the members' sign-ins — with zero browser console errors and no sideways
 * scrolling.
 */

const SHOTS = 'test-results/e2e';
const PASSWORD = 'a long enough passphrase 42';
const stamp = Date.now();
const ownerEmail = `audit-owner-${stamp}@example.com`;
const memberEmail = `audit-member-${stamp}@example.com`;
const strangerEmail = `audit-stranger-${stamp}@example.com`;

const ec2 = mockClient(EC2Client);
const dryRunOk = () =>
  Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
    name: 'DryRunOperation',
  });

let t: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let baseUrl: string;
let orgId = '';
const errors: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

async function login(email: string, password = PASSWORD): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return res.status;
}

const overflow = () =>
  page.evaluate(() => {
    const d = globalThis as unknown as {
      document: {
        scrollingElement: { scrollWidth: number };
        querySelector(s: string): { scrollWidth: number; clientWidth: number } | null;
      };
      innerWidth: number;
    };
    const box = d.document.querySelector('.table-scroll');
    return {
      page: d.document.scrollingElement.scrollWidth - d.innerWidth,
      table: box === null ? 0 : box.scrollWidth - box.clientWidth,
    };
  });

const table = () => page.getByTestId('audit-table');

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  mockSts();
  let volume: Volume = {
    VolumeId: 'vol-1',
    State: 'available',
    Size: 10,
    Attachments: [],
    Tags: [{ Key: 'rolegate-cleanup', Value: 'allowed' }],
  };
  ec2.on(DescribeVolumesCommand).callsFake(async () => ({ Volumes: [volume] }));
  ec2.on(DeleteVolumeCommand).callsFake(async (input: { DryRun?: boolean }) => {
    if (input.DryRun) throw dryRunOk();
    volume = { ...volume, State: 'deleting' };
    return {};
  });
  ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-backup' });

  t = await createTestApp({ env: { AWS_REGION: 'us-east-1', ROLEGATE_CREDENTIAL_CACHE: 'off' } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;

  // The owner's organisation, a member who joined by invitation, and a stranger elsewhere.
  const signup = await call<{ organization: { id: string } }>('POST', '/v1/auth/signup', {
    email: ownerEmail,
    password: PASSWORD,
    name: 'Olivia Owner',
    organizationName: 'Audit View Org',
  });
  orgId = signup.organization.id;
  const { accessToken } = await call<{ accessToken: string }>('POST', '/v1/auth/login', {
    email: ownerEmail,
    password: PASSWORD,
  });
  const invitation = await call<{ token: string }>(
    'POST',
    `/v1/orgs/${orgId}/invitations`,
    { email: memberEmail, role: 'member' },
    accessToken,
  );
  await call('POST', '/v1/auth/signup', {
    email: memberEmail,
    password: PASSWORD,
    name: 'Mona Member',
    invitationToken: invitation.token,
  });
  expect(await login(memberEmail)).toBe(200);
  expect(await login(memberEmail, 'not the passphrase at all')).toBe(401);
  await call('POST', '/v1/auth/signup', {
    email: strangerEmail,
    password: PASSWORD,
    name: 'Stella Stranger',
  });
  expect(await login(strangerEmail)).toBe(200);

  // More than a page of older records (through the audit writer, as the services write them) …
  const audit = createAuditWriter({ clock: systemClock });
  const me = await call<{ user: { id: string } }>('GET', '/v1/me', undefined, accessToken);
  for (let i = 0; i < 55; i++) {
    await audit.record(t.database.db, {
      orgId,
      actorType: 'user',
      actorId: me.user.id,
      action: 'connection.templates_viewed',
      outcome: 'success',
      details: { i },
    });
  }
  // … then a clean-up through the real API: a dry run, and a real deletion after its own dry run.
  const connection = await insertConnection(t, orgId);
  const findingId = await insertFinding(t.database.db, orgId, connection.id, {
    type: 'ebs_volume_unattached',
    resourceId: 'vol-1',
    resourceArn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1',
    tags: { 'rolegate-cleanup': 'allowed' },
  });
  const cleanup = `/v1/orgs/${orgId}/findings/${findingId}/cleanup`;
  await call('POST', cleanup, { dryRun: true }, accessToken);
  const dry = await call<{ confirmToken: string }>('POST', cleanup, { dryRun: true }, accessToken);
  await call('POST', cleanup, { dryRun: false, confirm: dry.confirmToken }, accessToken);

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  ec2.restore();
});

describe.sequential('console: audit view', () => {
  it('shows people by name, never by usr_ id, in columns that fit 1,366 px', async () => {
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('Email').fill(ownerEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'AWS connections' }).waitFor();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await table().waitFor();
    await expect.poll(() => page.getByTestId('chain-status').textContent()).toContain('chain intact');

    const text = (await table().textContent()) ?? '';
    expect(text).toContain('Olivia Owner');
    expect(text).toContain(ownerEmail);
    expect(text).not.toMatch(/usr_/);
    // The connection by its name, actions in words.
    expect(text).toContain('Clean-up: delete EBS volume');
    const wide = await overflow();
    expect(wide.page).toBeLessThanOrEqual(0);
    expect(wide.table).toBeLessThanOrEqual(0);
    await shot('audit-01-records');
  });

  it('tells a dry run ("nothing deleted") apart from a real deletion', async () => {
    const dry = table().locator('.badge', { hasText: 'Dry run — nothing deleted' });
    const deleted = table().locator('.badge', { hasText: /^Deleted$/ });
    expect(await dry.count()).toBeGreaterThanOrEqual(2);
    expect(await deleted.count()).toBeGreaterThanOrEqual(2);
    expect(await dry.first().getAttribute('class')).toContain('badge-dry-run');
    expect(await deleted.first().getAttribute('class')).toContain('badge-deleted');
    // A dry run row never says deleted, and the deletion row never says dry run.
    for (const row of await table().locator('tbody tr', { has: dry }).all())
      expect(await row.textContent()).not.toMatch(/Deleted/);
    for (const row of await table().locator('tbody tr', { has: deleted }).all())
      expect(await row.textContent()).not.toMatch(/Dry run/);
  });

  it('opens a record in a drawer by keyboard, with every field, and Escape returns focus to its button', async () => {
    // The AWS call of the real deletion (the finding.cleaned record after it carries the result).
    const row = table()
      .locator('tbody tr')
      .filter({ has: page.locator('.badge-deleted') })
      .filter({ has: page.locator('code', { hasText: /^aws\.cleanup\.delete_volume$/ }) })
      .first();
    const button = row.getByRole('button', { name: /^Details of/ });
    await button.focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog');
    await drawer.waitFor();
    const title = await drawer.getByRole('heading').first().textContent();
    expect(await page.getByRole('dialog', { name: title ?? '' }).count()).toBe(1);
    expect(await drawer.evaluate((d) => d.contains(d.ownerDocument.activeElement))).toBe(true);
    const facts = (await drawer.textContent()) ?? '';
    for (const label of ['Request ID', 'Hash', 'Previous hash', 'Record ID', 'IP address', 'Details'])
      expect(facts).toContain(label);
    expect(facts).toMatch(/[0-9a-f]{64}/);
    expect(facts).toContain('arn:aws:ec2:us-east-1:123456789012:volume/vol-1');
    expect(await page.getByTestId('audit-details').textContent()).toContain('"dryRun": false');
    await shot('audit-02-drawer');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    expect(await button.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);

    // The close button works the same way.
    await button.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await button.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
  });

  it('keeps filters and the page cursor in the URL across a reload and Back', async () => {
    await page.getByLabel('Action (prefix ending in *)').fill('aws.cleanup.*');
    await page.getByLabel('Outcome').selectOption('success');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe('aws.cleanup.*');
    const actions = () => table().locator('tbody td:nth-child(4) code').allTextContents();
    await expect.poll(async () => (await actions()).every((a) => a.startsWith('aws.cleanup.'))).toBe(true);
    await page.reload();
    await table().waitFor();
    expect(await page.getByLabel('Action (prefix ending in *)').inputValue()).toBe('aws.cleanup.*');
    expect(await page.getByLabel('Outcome').inputValue()).toBe('success');
    expect((await actions()).every((a) => a.startsWith('aws.cleanup.'))).toBe(true);
    await page.goBack();
    await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe(null);

    // Older: the cursor goes into the URL and survives a reload; Newer comes back.
    await table().waitFor();
    const firstSeq = () => table().locator('tbody tr td:first-child').first().textContent();
    const newest = await firstSeq();
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('cursor')).not.toBe(null);
    await expect.poll(firstSeq).not.toBe(newest);
    const older = await firstSeq();
    await page.reload();
    await table().waitFor();
    expect(await firstSeq()).toBe(older);
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(firstSeq).toBe(newest);
    expect(new URL(page.url()).searchParams.get('cursor')).toBe(null);
  });

  it("lists the members' sign-ins, by name, and nobody else's", async () => {
    await page.getByRole('link', { name: 'Sign-ins' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('view')).toBe('sign-ins');
    await table().waitFor();
    const rows = table().locator('tbody tr', { hasText: 'Mona Member' });
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const text = (await table().textContent()) ?? '';
    expect(text).toContain(memberEmail);
    expect(text).toContain('Sign-in');
    expect(text).toContain('Failed');
    expect(text).not.toContain(strangerEmail);
    expect(text).not.toContain('Stella Stranger');
    expect(text).not.toMatch(/usr_/);
    const wide = await overflow();
    expect(wide.page).toBeLessThanOrEqual(0);
    expect(wide.table).toBeLessThanOrEqual(0);
    await shot('audit-03-sign-ins');

    // One member, failures only: the filter is in the URL and survives a reload.
    await page.getByLabel('Member').selectOption({ label: `Mona Member — ${memberEmail}` });
    await page.getByLabel('Outcome').selectOption('failure');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('outcome')).toBe('failure');
    await page.reload();
    await table().waitFor();
    await expect.poll(() => table().locator('tbody tr').count()).toBe(1);
    expect(await table().locator('tbody tr').first().textContent()).toContain('Mona Member');
  });

  it('fits a 360-px phone without sideways scrolling of the page, drawer included', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('link', { name: 'All records' }).click();
    await table().waitFor();
    expect((await overflow()).page).toBeLessThanOrEqual(0);
    await table()
      .getByRole('button', { name: /^Details of/ })
      .first()
      .click();
    await page.getByRole('dialog').waitFor();
    expect((await overflow()).page).toBeLessThanOrEqual(0);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 1366, height: 860 });
  });

  it('logged zero browser console errors', () => {
    expect(errors).toEqual([]);
  });
});
