import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';
import { launchChromium } from './browser.ts';

/**
 * Four-eyes approval in the console (docs/approvals.md): a member's upload is held for approval and
 * the console shows the request id; an admin approves it under Approvals; the member's retry runs.
 * The real server on 127.0.0.1, AWS mocked, Debian's Chromium through playwright-core.
 */

const SHOTS = 'test-results/e2e';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);

let t: TestApp;
let browser: Browser;
let page: Page;
let baseUrl: string;
let member: TestUser;
let admin: TestUser;

const emailOf = (u: TestUser) => `${u.userId}@example.test`;

async function signIn(u: TestUser) {
  await page.goto(`${baseUrl}/connections`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('Email').fill(emailOf(u));
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'AWS connections' }).waitFor();
}

async function signOut() {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
}

async function upload() {
  await page
    .getByRole('link', { name: /^Open / })
    .first()
    .click();
  await page.getByRole('tab', { name: 'S3' }).click();
  await page.getByRole('link', { name: 'e2e-bucket' }).click();
  await page.getByRole('cell', { name: 'report.csv' }).waitFor();
  await page.locator('input[type=file]').setInputFiles({
    name: 'fixture.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('hello from the e2e test'),
  });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sts.on(GetCallerIdentityCommand).resolves({
    Arn: 'arn:aws:iam::111111111111:role/rolegate-service',
    Account: '111111111111',
  });
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn?: string }) => ({
    Credentials: {
      AccessKeyId: 'ASIAE2EFAKE',
      SecretAccessKey: 'fake-secret',
      SessionToken: 'fake-session',
      Expiration: new Date(Date.now() + 3600_000),
    },
    AssumedRoleUser: { Arn: `${input.RoleArn ?? ''}/session`, AssumedRoleId: 'AROAFAKE:session' },
  }));
  s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'e2e-bucket', CreationDate: new Date() }] });
  s3.on(ListObjectsV2Command).resolves({
    Contents: [{ Key: 'report.csv', Size: 2048, LastModified: new Date() }],
    IsTruncated: false,
  });
  s3.on(PutObjectCommand).resolves({ ETag: '"e2e"' });

  t = await createTestApp();
  const owner = await createTestUser(t, { password: TEST_PASSWORD });
  admin = await createTestUser(t, { orgId: owner.orgId, role: 'admin', password: TEST_PASSWORD });
  member = await createTestUser(t, { orgId: owner.orgId, role: 'member', password: TEST_PASSWORD });
  await createTestConnection(t, owner.orgId, { capabilities: ['s3-read', 's3-write'] });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 860 } })).newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  sts.restore();
  s3.restore();
});

describe.sequential('four-eyes approval in the console', () => {
  let approvalId = '';

  it('holds a member’s upload for approval and shows the request id', async () => {
    await signIn(member);
    await upload();
    const notice = page.getByTestId('approval-required');
    await notice.waitFor();
    approvalId = (await notice.locator('code').textContent())?.trim() ?? '';
    expect(approvalId).toMatch(/^apr_/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    await shot('approvals-01-held');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    await page.getByTestId(`approval-${approvalId}`).waitFor();
    // The requester can withdraw, not approve.
    expect(
      await page.getByTestId(`approval-${approvalId}`).getByRole('button', { name: 'Approve' }).count(),
    ).toBe(0);
    await signOut();
  });

  it('lets an admin approve it with a comment', async () => {
    await signIn(admin);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    const row = page.getByTestId(`approval-${approvalId}`);
    await row.waitFor();
    expect(await row.textContent()).toContain('s3.put_object');
    await row.getByLabel('Comment').fill('ok for the fixture');
    await shot('approvals-02-pending');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Nothing is waiting.').waitFor();
    await signOut();
  });

  it('runs the member’s retry once approved', async () => {
    await signIn(member);
    await upload();
    await expect.poll(() => s3.commandCalls(PutObjectCommand).length).toBe(1);
    expect(await page.getByTestId('approval-required').count()).toBe(0);
    await shot('approvals-03-done');
  });
});

async function shot(name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}
