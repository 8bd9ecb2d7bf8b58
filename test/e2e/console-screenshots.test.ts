import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  CreateSnapshotCommand,
  DeleteVolumeCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Volume,
} from '@aws-sdk/client-ec2';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections } from '../../src/connections/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { withoutApprovals } from '../helpers/approvals.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { insertFinding, mockSts } from '../scans/harness.ts';
import { launchChromium } from './browser.ts';

/**
 * The main views of the console as docs/console.md shows them ("Screenshots"). Every step asserts
 * that its view rendered with the data seeded here, so the file is a test in CI; with
 * ROLEGATE_WRITE_DOCS=1 the same steps also write the PNGs into docs/img/console/ (1,366 × 860,
 * the viewport only), otherwise the pictures go to test-results/e2e/ and nothing under docs/ is
 * touched. The data reads like a real organisation's, because readers see it.
 */

const WRITE_DOCS = process.env.ROLEGATE_WRITE_DOCS === '1';
const SHOTS = WRITE_DOCS ? 'docs/img/console' : 'test-results/e2e';
const PASSWORD = 'correct horse battery staple 2026';
const ownerEmail = 'maya.okafor@northwind-analytics.com';
const adminEmail = 'daniel.reyes@northwind-analytics.com';
const memberEmail = 'priya.shah@northwind-analytics.com';

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);

let t: TestApp;
let browser: Browser;
let page: Page;
let baseUrl: string;
let orgId = '';
let paymentsId = '';
const errors: string[] = [];

/** A screenshot of the viewport (long pages are cut, not stitched), named as docs/console.md embeds it. */
async function capture(p: Page, name: string) {
  const png = await p.screenshot({ path: `${SHOTS}/${WRITE_DOCS ? '' : 'docs-'}${name}.png` });
  // A readable picture, small enough for the repository (docs/console.md, "Screenshots").
  expect(png.length).toBeGreaterThan(10_000);
  expect(png.length).toBeLessThan(250_000);
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

async function signIn(p: Page, email: string) {
  await p.goto(`${baseUrl}/`);
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(PASSWORD);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.getByRole('heading', { name: 'AWS connections' }).waitFor();
}

const sideways = (p: Page) =>
  p.evaluate(() => {
    const d = globalThis as unknown as {
      document: { scrollingElement: { scrollWidth: number } };
      innerWidth: number;
    };
    return d.document.scrollingElement.scrollWidth - d.innerWidth;
  });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  mockSts();
  // Two unattached volumes, both tagged for clean-up: one deleted before the audit screenshot, the
  // other through the console by the last step.
  const volumes = new Map<string, Volume>(
    (
      [
        ['vol-0a41c7e2f9d3b8165', 'etl-scratch-2025', 500],
        ['vol-09c2d5e7a1f6b4083', 'ci-runner-cache', 200],
      ] as const
    ).map(([id, name, size]): [string, Volume] => [
      id,
      {
        VolumeId: id,
        State: 'available',
        Size: size,
        Attachments: [],
        Tags: [
          { Key: 'Name', Value: name },
          { Key: 'rolegate-cleanup', Value: 'allowed' },
        ],
      },
    ]),
  );
  ec2.on(DescribeVolumesCommand).callsFake(async (input: { VolumeIds?: string[] }) => ({
    Volumes: (input.VolumeIds ?? []).flatMap((id) => volumes.get(id) ?? []),
  }));
  ec2.on(DeleteVolumeCommand).callsFake(async (input: { DryRun?: boolean; VolumeId?: string }) => {
    if (input.DryRun)
      throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
        name: 'DryRunOperation',
      });
    const volume = volumes.get(input.VolumeId ?? '');
    if (volume !== undefined) volumes.set(input.VolumeId ?? '', { ...volume, State: 'deleting' });
    return {};
  });
  ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-07d2e91c4ab35f6e0' });
  s3.on(ListBucketsCommand).resolves({
    Buckets: [
      { Name: 'northwind-invoices', CreationDate: new Date('2024-03-12T09:00:00Z') },
      { Name: 'northwind-analytics-exports', CreationDate: new Date('2025-01-20T09:00:00Z') },
    ],
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => {
    const prefix = input.Prefix ?? '';
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 6, 30));
    return {
      CommonPrefixes: ['2026-09/', '2026-10/', '2026-11/'].map((p) => ({ Prefix: `${prefix}${p}` })),
      Contents: [
        { Key: `${prefix}invoice-summary-2026-11.csv`, Size: 482_113, LastModified: day(28) },
        { Key: `${prefix}customers-eu.parquet`, Size: 18_874_368, LastModified: day(27) },
        { Key: `${prefix}README.txt`, Size: 1_204, LastModified: day(2) },
      ],
      IsTruncated: false,
    };
  });

  t = await createTestApp({ env: { AWS_REGION: 'eu-west-1', ROLEGATE_CREDENTIAL_CACHE: 'off' } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;

  const signup = await call<{ organization: { id: string } }>('POST', '/v1/auth/signup', {
    email: ownerEmail,
    password: PASSWORD,
    name: 'Maya Okafor',
    organizationName: 'Northwind Analytics',
  });
  orgId = signup.organization.id;
  const { accessToken } = await call<{ accessToken: string }>('POST', '/v1/auth/login', {
    email: ownerEmail,
    password: PASSWORD,
  });
  for (const [email, name, role] of [
    [adminEmail, 'Daniel Reyes', 'admin'],
    [memberEmail, 'Priya Shah', 'member'],
  ] as const) {
    const invitation = await call<{ token: string }>(
      'POST',
      `/v1/orgs/${orgId}/invitations`,
      { email, role },
      accessToken,
    );
    await call('POST', '/v1/auth/signup', {
      email,
      password: PASSWORD,
      name,
      invitationToken: invitation.token,
    });
  }
  await call(
    'POST',
    `/v1/orgs/${orgId}/invitations`,
    { email: 'sam.lee@northwind-analytics.com', role: 'member' },
    accessToken,
  );
  for (const [name, days] of [
    ['ci-deploy-pipeline', 90],
    ['nightly-cost-report', 30],
  ] as const) {
    await call(
      'POST',
      `/v1/orgs/${orgId}/api-keys`,
      { name, role: 'member', expiresAt: new Date(Date.now() + days * 86_400_000).toISOString() },
      accessToken,
    );
  }

  // The clean-up below is the subject of the audit screenshot, not the four-eyes rule.
  await withoutApprovals(t, orgId);
  const db = t.database.db;
  const seeded = [
    {
      name: 'production-payments',
      accountId: '204518736615',
      capabilities: ['s3-read', 'logs-read', 'dynamodb-read', 'cost-scan', 'cleanup'] as const,
      scopes: {
        regions: ['eu-west-1', 'us-east-1'],
        cleanupTagConditions: { 'rolegate-cleanup': 'allowed' },
      },
      status: 'verified' as const,
    },
    {
      name: 'analytics-data-lake',
      accountId: '319877025440',
      capabilities: ['s3-read', 'logs-read'] as const,
      scopes: { s3Buckets: ['northwind-analytics-exports'] },
      status: 'verified' as const,
    },
    {
      name: 'staging-web',
      accountId: '587302994107',
      capabilities: ['lambda-read', 'logs-read'] as const,
      scopes: {},
      status: 'pending' as const,
    },
  ];
  for (const c of seeded) {
    const created = await createTestConnection(t, orgId, {
      capabilities: [...c.capabilities],
      scopes: c.scopes,
      accountId: c.accountId,
      status: c.status,
    });
    await db
      .update(connections)
      .set({
        name: c.name,
        roleName: `Rolegate-${c.name}`,
        ...(c.status === 'pending' ? { lastVerifiedAt: null, accountId: null, roleArn: null } : {}),
      })
      .where(eq(connections.id, created.id));
    if (c.name === 'production-payments') paymentsId = created.id;
  }
  const arn = (type: string, id: string) => `arn:aws:ec2:eu-west-1:204518736615:${type}/${id}`;
  const volumeId = await insertFinding(db, orgId, paymentsId, {
    type: 'ebs_volume_unattached',
    region: 'eu-west-1',
    resourceId: 'vol-0a41c7e2f9d3b8165',
    resourceArn: arn('volume', 'vol-0a41c7e2f9d3b8165'),
    ageDays: 94,
    monthlyCostCents: 4000,
    recommendedAction: 'Snapshot it, then delete the volume.',
    tags: { Name: 'etl-scratch-2025', 'rolegate-cleanup': 'allowed' },
  });
  await insertFinding(db, orgId, paymentsId, {
    type: 'ebs_volume_unattached',
    region: 'eu-west-1',
    resourceId: 'vol-09c2d5e7a1f6b4083',
    resourceArn: arn('volume', 'vol-09c2d5e7a1f6b4083'),
    ageDays: 37,
    monthlyCostCents: 1600,
    recommendedAction: 'Snapshot it, then delete the volume.',
    tags: { Name: 'ci-runner-cache', 'rolegate-cleanup': 'allowed' },
  });
  await insertFinding(db, orgId, paymentsId, {
    type: 'eip_unassociated',
    region: 'us-east-1',
    resourceId: 'eipalloc-0f3b6d19a2c47e58d',
    resourceArn: 'arn:aws:ec2:us-east-1:204518736615:elastic-ip/eipalloc-0f3b6d19a2c47e58d',
    ageDays: 41,
    monthlyCostCents: 365,
    recommendedAction: 'Release the address.',
  });
  await insertFinding(db, orgId, paymentsId, {
    type: 'ebs_snapshot_orphaned',
    region: 'eu-west-1',
    resourceId: 'snap-0c5e8a27b1f94d360',
    resourceArn: arn('snapshot', 'snap-0c5e8a27b1f94d360'),
    ageDays: 212,
    monthlyCostCents: 1250,
    recommendedAction: 'Delete the snapshot; its volume no longer exists.',
  });
  // A dry run, then the deletion after its own dry run, through the real clean-up API.
  const cleanup = `/v1/orgs/${orgId}/findings/${volumeId}/cleanup`;
  const dry = await call<{ confirmToken: string }>('POST', cleanup, { dryRun: true }, accessToken);
  await call('POST', cleanup, { dryRun: false, confirm: dry.confirmToken }, accessToken);

  browser = await launchChromium(['--hide-scrollbars']);
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
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
  s3.restore();
});

describe.sequential('console: the screenshots of docs/console.md', () => {
  it('connections list', async () => {
    await signIn(page, ownerEmail);
    for (const name of ['production-payments', 'analytics-data-lake', 'staging-web'])
      await page.getByRole('link', { name: `Open ${name}` }).waitFor();
    await capture(page, 'connections');
  });

  it('connection wizard, templates step', async () => {
    await page.getByRole('button', { name: 'Connect an AWS account' }).click();
    await page.getByLabel('Connection name').fill('marketing-sandbox');
    await page.getByRole('checkbox', { name: /^s3-read/ }).check();
    await page.getByRole('checkbox', { name: /^logs-read/ }).check();
    await page.getByRole('button', { name: 'Create and generate templates' }).click();
    await page.getByRole('heading', { name: 'Create the role in your AWS account' }).waitFor();
    expect(await page.locator('[aria-current="step"]').textContent()).toContain('Create the role');
    // The step opens where the form's button was; the picture shows its top (the steps and the role).
    await page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    await capture(page, 'wizard-templates');
  });

  it('connection detail, overview', async () => {
    await page.goto(`${baseUrl}/orgs/${orgId}/connections/${paymentsId}`);
    await page.getByRole('heading', { name: /production-payments/ }).waitFor();
    await page.getByText('arn:aws:iam::204518736615:role/RolegateAccess').waitFor();
    await page.getByRole('heading', { name: 'Waste scan' }).waitFor();
    await capture(page, 'connection-overview');
  });

  it('S3 browser', async () => {
    await page.getByRole('tab', { name: 'S3' }).click();
    await page
      .getByRole('list', { name: 'Buckets' })
      .getByRole('link', { name: 'northwind-invoices' })
      .click();
    await page.getByRole('cell', { name: 'invoice-summary-2026-11.csv' }).waitFor();
    await page.getByRole('link', { name: /2026-11\// }).waitFor();
    await capture(page, 's3-browser');
  });

  it('waste findings', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Waste findings' })
      .click();
    await page.getByRole('heading', { name: 'Waste findings' }).waitFor();
    await page.getByRole('cell', { name: 'snap-0c5e8a27b1f94d360' }).waitFor();
    await page.getByRole('cell', { name: 'eipalloc-0f3b6d19a2c47e58d' }).waitFor();
    await capture(page, 'findings');
  });

  it('audit log with a record open in the drawer', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    const table = page.getByTestId('audit-table');
    await table.waitFor();
    await expect.poll(() => page.getByTestId('chain-status').textContent()).toContain('chain intact');
    expect(await table.textContent()).toContain('Maya Okafor');
    const row = table
      .locator('tbody tr')
      .filter({ has: page.locator('.badge-deleted') })
      .filter({ has: page.locator('code', { hasText: /^aws\.cleanup\.delete_volume$/ }) })
      .first();
    await row.getByRole('button', { name: /^Details of/ }).click();
    const drawer = page.getByRole('dialog');
    await drawer.waitFor();
    expect(await drawer.textContent()).toContain('vol-0a41c7e2f9d3b8165');
    await capture(page, 'audit-drawer');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
  });

  it('API keys', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    const keys = page.getByTestId('api-keys');
    await keys.getByRole('row', { name: /ci-deploy-pipeline/ }).waitFor();
    expect(await keys.getByRole('row', { name: /nightly-cost-report/ }).textContent()).toMatch(
      /in (29|30) days/,
    );
    await capture(page, 'api-keys');
  });

  it('members', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('heading', { name: 'Members', exact: true }).waitFor();
    for (const email of [ownerEmail, adminEmail, memberEmail]) await page.getByText(email).first().waitFor();
    await page.getByText('sam.lee@northwind-analytics.com').waitFor();
    await capture(page, 'members');
  });

  it('security insights', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Insights' }).click();
    const log = page.getByTestId('insight-access-log');
    await log.waitFor();
    await expect.poll(() => log.textContent()).toContain('production-payments');
    await capture(page, 'insights');
  });

  it('connections list on a 360-px phone', async () => {
    const phone = await browser.newContext({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const p = await phone.newPage();
    p.setDefaultTimeout(15_000);
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(`phone: ${m.text()}`);
    });
    await signIn(p, memberEmail);
    await p.getByRole('link', { name: 'Open production-payments' }).waitFor();
    expect(await sideways(p)).toBeLessThanOrEqual(0);
    await capture(p, 'phone-connections');
    await phone.close();
  });

  it('cleans a finding up: focus moves into the dry run, back on Cancel, to the outcome once the row goes', async () => {
    await page.goto(`${baseUrl}/orgs/${orgId}/findings`);
    const row = page.getByRole('row', { name: /vol-09c2d5e7a1f6b4083/ });
    const opener = row.getByRole('button', { name: 'Clean up…' });
    await opener.click();
    const heading = page.getByRole('heading', { name: 'Dry run: vol-09c2d5e7a1f6b4083' });
    await expect
      .poll(() => heading.evaluate((el) => el === el.ownerDocument.activeElement), { timeout: 5_000 })
      .toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect
      .poll(() => opener.evaluate((el) => el === el.ownerDocument.activeElement), { timeout: 5_000 })
      .toBe(true);
    await opener.click();
    await page.getByRole('button', { name: 'Confirm clean-up' }).click();
    // The cleaned finding leaves the open ones with its button: the outcome message has the focus.
    await expect.poll(() => row.count()).toBe(0);
    const done = page.getByRole('status').filter({ hasText: /^Done: / });
    await expect
      .poll(() => done.evaluate((el) => el === el.ownerDocument.activeElement), { timeout: 5_000 })
      .toBe(true);
  });

  it('logged no browser console error', () => {
    expect(errors).toEqual([]);
  });
});
