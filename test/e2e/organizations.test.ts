import type { AddressInfo } from 'node:net';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionGroupMembers } from '../../src/connection-groups/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';
import { launchChromium } from './browser.ts';

/**
 * The console's connection-group view end to end: a group with members in every status, the
 * per-account table, and "Verify all" running in the background until its progress says done.
 * AWS refuses every AssumeRole (the StackSet is not deployed), so every member ends failed.
 */

const sts = mockClient(STSClient);

let t: TestApp;
let browser: Browser;
let page: Page;
let baseUrl: string;
let owner: TestUser;
let groupId: string;

beforeAll(async () => {
  sts.on(AssumeRoleCommand).rejects(
    Object.assign(new Error('not authorized to perform sts:AssumeRole'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    }),
  );
  t = await createTestApp();
  owner = await createTestUser(t, { password: TEST_PASSWORD });
  const management = await createTestConnection(t, owner.orgId, {
    capabilities: ['organizations-read'],
    accountId: '999999999999',
  });
  const created = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/connection-groups`,
    headers: owner.headers,
    payload: {
      name: 'Acme organisation',
      managementConnectionId: management.id,
      capabilities: ['cost-scan'],
    },
  });
  groupId = created.json().id;
  const statuses = ['verified', 'pending', 'unsafe', 'disabled'] as const;
  for (const [i, status] of statuses.entries()) {
    const accountId = String(111100000001 + i);
    const c = await createTestConnection(t, owner.orgId, { capabilities: ['cost-scan'], accountId, status });
    await t.database.db.insert(connectionGroupMembers).values({
      groupId,
      orgId: owner.orgId,
      accountId,
      connectionId: c.id,
      accountName: `team ${i}`,
      accountStatus: status === 'disabled' ? 'SUSPENDED' : 'ACTIVE',
      disabledBySync: status === 'disabled' ? 'account_suspended' : null,
      lastSeenAt: new Date(),
    });
  }
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
});

describe.sequential('console: AWS Organizations', () => {
  it('shows a group with per-account status, and "Verify all" runs to completion', async () => {
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('Email').fill(`${owner.userId}@example.test`);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'AWS Organizations' }).click();
    await page.getByRole('heading', { name: 'AWS Organizations' }).waitFor();
    await page.getByRole('link', { name: 'Acme organisation' }).click();
    const table = page.getByRole('table', { name: 'Member accounts' });
    await table.waitFor();
    const rows = table.getByRole('row');
    expect(await rows.count()).toBe(5);
    const text = (await table.textContent()) ?? '';
    for (const s of ['verified', 'pending', 'unsafe', 'disabled', 'SUSPENDED', 'account_suspended']) {
      expect(text).toContain(s);
    }
    await page.getByRole('button', { name: 'Verify all' }).click();
    // The progress is polled until the background run is done (3 active members, none disabled).
    await page
      .getByTestId('group-progress')
      .filter({ hasText: /^done: .*\(3 of 3\)/ })
      .waitFor();
    await page.screenshot({ path: 'test-results/e2e/organizations.png', fullPage: true });
    expect(await table.textContent()).toContain('failed');
  });
});
