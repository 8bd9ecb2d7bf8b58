import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections } from '../../src/connections/tables.ts';
import { newId } from '../../src/db/ids.ts';
import { scans } from '../../src/scans/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection, type TestConnection } from '../helpers/connections.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';
import { launchChromium } from './browser.ts';

/**
 * The connection screens end to end (issue 17, item 5): connection settings (edit with a field
 * error, external-ID rotation, deletion), a prefix-limited S3 connection, the DynamoDB table picker
 * and results table, Logs Insights (poll, cancel), scan history, security insights, an API key with
 * an expiry, and a member who sees none of the admin controls. The real server on 127.0.0.1, AWS
 * mocked with aws-sdk-client-mock, Debian's Chromium; no browser console error on the way.
 */

const SHOTS = 'test-results/e2e';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBClient);
const logs = mockClient(CloudWatchLogsClient);

/** Prefixes S3 was asked to list. */
const listedPrefixes: string[] = [];
const ddbQueries: QueryCommandInput[] = [];
/** Logs Insights: GetQueryResults calls per query id, and the queries stopped. */
const resultCalls = new Map<string, number>();
const stopped = new Set<string>();
let queryCount = 0;

let t: TestApp;
let browser: Browser;
let ownerContext: BrowserContext;
let page: Page;
let baseUrl: string;
let owner: TestUser;
let member: TestUser;
let main: TestConnection;
let limited: TestConnection;
/** Browser console errors and failed responses, from every page of this file. */
const consoleErrors: string[] = [];
const failedResponses: string[] = [];

async function shot(p: Page, name: string) {
  await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

function watch(p: Page, who: string) {
  p.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${who}: ${m.text()}`);
  });
  p.on('pageerror', (e) => consoleErrors.push(`${who}: ${e.message}`));
  p.on('response', (r) => {
    if (r.status() >= 400)
      failedResponses.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
}

async function signIn(p: Page, user: TestUser) {
  await p.goto(`${baseUrl}/`);
  await p.getByLabel('Email').fill(`${user.userId}@example.test`);
  await p.getByLabel('Password').fill(TEST_PASSWORD);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.getByRole('heading', { name: 'AWS connections' }).waitFor();
}

async function openConnection(p: Page, name: string) {
  // The main navigation's entry: a connection's page also links back to "All connections".
  await p
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Connections', exact: true })
    .click();
  await p.getByRole('link', { name: `Open ${name}` }).click();
  await p.getByRole('heading', { name: new RegExp(name) }).waitFor();
}

/** Whether the element has the keyboard focus (confirmations hand it back to their opener). */
async function isFocused(l: Locator): Promise<boolean> {
  return l.evaluate((el) => el === el.ownerDocument.activeElement);
}

/** Focus moves after React's commit and a frame: allowed a few seconds on a busy machine. */
async function expectFocus(l: Locator) {
  await expect.poll(() => isFocused(l), { timeout: 5_000 }).toBe(true);
}

async function api(method: string, path: string, user: TestUser = owner) {
  return fetch(`${baseUrl}${path}`, { method, headers: user.headers });
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
  s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'shared-bucket', CreationDate: new Date() }] });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => {
    const prefix = input.Prefix ?? '';
    listedPrefixes.push(prefix);
    return {
      Contents: [{ Key: `${prefix}report.csv`, Size: 2048, LastModified: new Date() }],
      CommonPrefixes: [{ Prefix: `${prefix}2026/` }],
      IsTruncated: false,
    };
  });
  ddb.on(ListTablesCommand).resolves({ TableNames: ['customers', 'orders'] });
  ddb.on(DescribeTableCommand).callsFake((input: { TableName?: string }) => ({
    Table: {
      TableName: input.TableName,
      TableStatus: 'ACTIVE',
      ItemCount: 3,
      KeySchema: [
        { AttributeName: 'customerId', KeyType: 'HASH' },
        { AttributeName: 'orderedAt', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'customerId', AttributeType: 'S' },
        { AttributeName: 'orderedAt', AttributeType: 'N' },
      ],
    },
  }));
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    ddbQueries.push(input);
    return {
      Items: [
        {
          customerId: { S: 'c-1' },
          orderedAt: { N: '1700000000' },
          total: { N: '42.5' },
          note: { S: 'gift wrap' },
        },
        {
          customerId: { S: 'c-1' },
          orderedAt: { N: '1700000100' },
          total: { N: '7' },
          lines: { L: [{ S: 'a' }] },
        },
      ],
    };
  });
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/app/api' }] });
  logs.on(StartQueryCommand).callsFake(() => ({ queryId: `query-${++queryCount}` }));
  logs.on(GetQueryResultsCommand).callsFake((input: { queryId?: string }) => {
    const id = input.queryId ?? '';
    const calls = (resultCalls.get(id) ?? 0) + 1;
    resultCalls.set(id, calls);
    if (stopped.has(id)) return { status: 'Cancelled', results: [] };
    // The first query runs past the server's short wait, so the console has to poll it; the second
    // never finishes on its own and is cancelled.
    if (id === 'query-2' || calls <= 6) return { status: 'Running', results: [] };
    return {
      status: 'Complete',
      results: [
        [
          { field: '@timestamp', value: '2026-11-30 08:00:00.000' },
          { field: '@message', value: 'payment accepted' },
          { field: '@ptr', value: 'opaque' },
        ],
      ],
      statistics: { recordsMatched: 1, recordsScanned: 10, bytesScanned: 100 },
    };
  });
  logs.on(StopQueryCommand).callsFake((input: { queryId?: string }) => {
    stopped.add(input.queryId ?? '');
    return { success: true };
  });

  t = await createTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  owner = await createTestUser(t, { password: TEST_PASSWORD });
  member = await createTestUser(t, { orgId: owner.orgId, role: 'member', password: TEST_PASSWORD });
  main = await createTestConnection(t, owner.orgId, {
    capabilities: ['dynamodb-read', 'logs-read', 'cost-scan'],
  });
  limited = await createTestConnection(t, owner.orgId, {
    capabilities: ['s3-read'],
    scopes: { s3Prefixes: ['team-a/'] },
  });
  const db = t.database.db;
  await db.update(connections).set({ name: 'main-account' }).where(eq(connections.id, main.id));
  await db.update(connections).set({ name: 'team-a-share' }).where(eq(connections.id, limited.id));
  const started = Date.now() - 3600_000;
  for (const [i, status] of (['succeeded', 'failed'] as const).entries()) {
    await db.insert(scans).values({
      id: newId('scn'),
      orgId: owner.orgId,
      connectionId: main.id,
      status,
      regions: ['us-east-1'],
      regionsDone: status === 'succeeded' ? ['us-east-1'] : [],
      findingsCount: status === 'succeeded' ? 4 : 0,
      requestedByType: 'user',
      requestedById: owner.userId,
      createdAt: new Date(started + i * 60_000),
      startedAt: new Date(started + i * 60_000 + 1000),
      finishedAt: new Date(started + i * 60_000 + 30_000),
      ...(status === 'failed'
        ? { errorCode: 'aws_request_failed', errorMessage: 'EC2 answered an error.' }
        : {}),
    });
  }

  browser = await launchChromium();
  ownerContext = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  page = await ownerContext.newPage();
  page.setDefaultTimeout(15_000);
  watch(page, 'owner');
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  sts.restore();
  s3.restore();
  ddb.restore();
  logs.restore();
});

describe.sequential('console: connection screens', () => {
  it('signs the owner in; the connection offers its screens by capability and role', async () => {
    await signIn(page, owner);
    await openConnection(page, 'main-account');
    // The role-aware tabs appear once /v1/me has answered.
    const tabs = page.getByRole('tablist', { name: 'Connection views' }).getByRole('tab');
    await expect
      .poll(() => tabs.allTextContents())
      .toEqual(['Overview', 'Logs', 'Logs Insights', 'DynamoDB', 'Scans', 'Settings']);
  });

  it('DynamoDB: picks a table, shows its key schema, queries it into a results table', async () => {
    await page.getByRole('tab', { name: 'DynamoDB' }).click();
    await page.getByRole('button', { name: 'orders' }).click();
    const schema = page.getByTestId('key-schema');
    await schema.waitFor();
    const rows = await schema.locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
      'table customerId partition key string',
      'table orderedAt sort key number',
    ]);
    expect(new URL(page.url()).searchParams.get('table')).toBe('orders');

    await page.getByLabel(/customerId =/).fill('c-1');
    await page.getByLabel('orderedAt condition').selectOption('>=');
    await page.getByLabel(/^Value/).fill('1600000000');
    await page.getByRole('button', { name: 'Run query' }).click();
    const items = page.getByTestId('dynamodb-items');
    await items.waitFor();
    // Key attributes first, then the others in name order; a missing attribute is a dash.
    expect(await items.locator('thead th').allTextContents()).toEqual([
      'customerId',
      'orderedAt',
      'lines',
      'note',
      'total',
    ]);
    expect(await items.locator('tbody tr').count()).toBe(2);
    expect(await items.locator('tbody tr').first().locator('td').allTextContents()).toEqual([
      'c-1',
      '1700000000',
      '—',
      'gift wrap',
      '42.5',
    ]);
    // The key condition went to DynamoDB with the types DescribeTable gave (S and N), as values only.
    const sent = ddbQueries.at(-1);
    expect(sent?.TableName).toBe('orders');
    expect(sent?.KeyConditionExpression).toBe('#pk = :pk AND #sk >= :sk');
    expect(sent?.ExpressionAttributeValues).toEqual({ ':pk': { S: 'c-1' }, ':sk': { N: '1600000000' } });
    await shot(page, 'screens-01-dynamodb');
  });

  it('Logs Insights: starts a query, polls it to its rows, and cancels a running one', async () => {
    await page.getByRole('tab', { name: 'Logs Insights' }).click();
    await page.getByLabel('/app/api').check();
    await page.getByRole('button', { name: 'Run query' }).click();
    const results = page.getByTestId('insights-results');
    await results.waitFor();
    expect(await results.locator('thead th').allTextContents()).toEqual(['@timestamp', '@message']);
    expect(await results.locator('tbody td').allTextContents()).toEqual([
      '2026-11-30 08:00:00.000',
      'payment accepted',
    ]);
    await expect.poll(() => page.getByTestId('insights-status').textContent()).toContain('Complete');
    // The server waited briefly and answered Running; the console polled the rest.
    expect(resultCalls.get('query-1')).toBeGreaterThanOrEqual(7);
    await shot(page, 'screens-02-logs-insights');

    await page.getByRole('button', { name: 'Run query' }).click();
    // One query at a time: another cannot start while this one runs.
    await page.getByRole('button', { name: 'Cancel query' }).waitFor();
    expect(await page.getByRole('button', { name: 'Run query' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Cancel query' }).click();
    await expect.poll(() => page.getByTestId('insights-status').textContent()).toContain('Cancelled');
    expect(stopped.has('query-2')).toBe(true);
    expect(await page.getByRole('button', { name: 'Run query' }).isDisabled()).toBe(false);
    expect(await page.getByRole('button', { name: 'Cancel query' }).count()).toBe(0);
  });

  it('lists the scan history with status, times and findings', async () => {
    await page.getByRole('tab', { name: 'Scans' }).click();
    const table = page.getByTestId('scan-history');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('failed');
    expect(await rows.first().textContent()).toContain('EC2 answered an error.');
    expect(await rows.nth(1).textContent()).toContain('succeeded');
    expect(await rows.nth(1).locator('td').nth(5).textContent()).toBe('4');
  });

  it('browses a prefix-limited S3 connection inside its prefix, never into a 403', async () => {
    await openConnection(page, 'team-a-share');
    await page.getByRole('tab', { name: 'S3' }).click();
    // Buckets and folders are links since the router merge (they open in a new tab too).
    await page.getByRole('list', { name: 'Buckets' }).getByRole('link', { name: 'shared-bucket' }).click();
    await page.getByRole('cell', { name: 'report.csv' }).waitFor();
    const chooser = page.getByTestId('s3-prefix-chooser');
    const allowed = chooser
      .getByRole('list', { name: 'Allowed prefixes' })
      .getByRole('button', { name: 'team-a/' });
    expect(await allowed.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('link', { name: /2026\// }).click();
    await page.getByRole('navigation', { name: 'Folder shared-bucket/team-a/2026/' }).waitFor();
    await page.getByRole('cell', { name: 'report.csv' }).waitFor();
    await expect.poll(() => listedPrefixes.at(-1)).toBe('team-a/2026/');

    // The bucket root is outside the prefix: the console offers the prefixes instead of asking.
    const before = listedPrefixes.length;
    await page
      .getByRole('navigation', { name: /^Folder / })
      .getByRole('link', { name: 'shared-bucket', exact: true })
      .click();
    await chooser.getByText('may not list here').waitFor();
    // A typed prefix outside the allowed ones is refused beside the field, without a request.
    await chooser.getByRole('textbox', { name: 'Prefix' }).fill('other/');
    await chooser.getByRole('button', { name: 'Go' }).click();
    await chooser.getByText('Must start with one of: team-a/').waitFor();
    expect(listedPrefixes.length).toBe(before);
    await chooser.getByRole('textbox', { name: 'Prefix' }).fill('team-a/2026/');
    await chooser.getByRole('button', { name: 'Go' }).click();
    await page.getByRole('cell', { name: 'report.csv' }).waitFor();
    expect(listedPrefixes.every((p) => p.startsWith('team-a/'))).toBe(true);
    expect(failedResponses.filter((r) => r.startsWith('403'))).toEqual([]);
    await shot(page, 'screens-03-s3-prefix');
  });

  it('shows a member none of the admin controls', async () => {
    const phone = await browser.newContext({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const m = await phone.newPage();
    m.setDefaultTimeout(15_000);
    watch(m, 'member');
    await signIn(m, member);
    const nav = m.getByRole('navigation', { name: 'Main' });
    for (const link of ['API keys', 'Insights', 'Audit log', 'Webhooks']) {
      expect(await nav.getByRole('link', { name: link }).count()).toBe(0);
    }
    expect(await m.getByRole('button', { name: 'Connect an AWS account' }).count()).toBe(0);
    await openConnection(m, 'main-account');
    const tabs = m.getByRole('tablist', { name: 'Connection views' }).getByRole('tab');
    await expect
      .poll(() => tabs.allTextContents())
      .toEqual(['Overview', 'Logs', 'Logs Insights', 'DynamoDB', 'Scans']);
    // Still none once everything has loaded.
    await m.waitForLoadState('networkidle');
    expect(await tabs.allTextContents()).not.toContain('Settings');
    expect(await m.getByRole('button', { name: 'Verify now' }).count()).toBe(0);
    await m.getByRole('tab', { name: 'DynamoDB' }).click();
    await m.getByRole('button', { name: 'orders' }).click();
    await m.getByTestId('key-schema').waitFor();
    const width = await m.evaluate(() => {
      const d = globalThis as unknown as {
        document: { scrollingElement: { scrollWidth: number } };
        innerWidth: number;
      };
      return { scrollWidth: d.document.scrollingElement.scrollWidth, innerWidth: d.innerWidth };
    });
    expect(width.innerWidth).toBe(360);
    expect(width.scrollWidth).toBeLessThanOrEqual(width.innerWidth);
    await shot(m, 'screens-04-member-360');
    // A deep link to the insights page says the role does not include it.
    await m.goto(`${baseUrl}/insights`);
    await m.getByTestId('page-not-allowed').waitFor();
    // The API refuses what the console does not offer.
    expect((await api('GET', `/v1/orgs/${owner.orgId}/insights/access-log`, member)).status).toBe(403);
    await phone.close();
  });

  it('edits the connection, with the API’s message beside the field it concerns', async () => {
    await openConnection(page, 'main-account');
    await page.getByRole('tab', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Edit the connection' });
    await form.getByLabel(/^Regions/).fill('moon-1');
    await form.getByRole('button', { name: 'Save changes' }).click();
    const fieldError = form.getByTestId('field-error-scopes.regions');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('must be an AWS region name');
    await shot(page, 'screens-05-settings-field-error');

    await form.getByLabel(/^Regions/).fill('eu-west-1');
    await form.getByLabel('Name', { exact: true }).fill('main-renamed');
    await form.getByLabel(/^Clean-up tag conditions/).fill('env=dev\nrolegate-cleanup=allowed');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText(/^Saved\./).waitFor();
    await page.getByRole('heading', { name: /main-renamed/ }).waitFor();
    const conn = (await (await api('GET', `/v1/orgs/${owner.orgId}/connections/${main.id}`)).json()) as {
      name: string;
      status: string;
      scopes: { regions: string[]; cleanupTagConditions: Record<string, string> };
    };
    expect(conn.name).toBe('main-renamed');
    expect(conn.scopes.regions).toEqual(['eu-west-1']);
    expect(conn.scopes.cleanupTagConditions).toEqual({ env: 'dev', 'rolegate-cleanup': 'allowed' });
    // Scopes and name only: the connection stays verified.
    expect(conn.status).toBe('verified');
  });

  it('rotates the external ID: the new ID, the re-rendered templates, and the grace period', async () => {
    // The confirmation replaces its button: focus moves into it, and back to the button on Cancel.
    const rotateButton = page.getByRole('button', { name: 'Rotate the external ID…' });
    const confirmRotation = page.getByRole('group', { name: 'Confirm the rotation' });
    await rotateButton.click();
    await expectFocus(confirmRotation.getByRole('button', { name: 'Cancel' }));
    await confirmRotation.getByRole('button', { name: 'Cancel' }).click();
    await expectFocus(rotateButton);
    await rotateButton.click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    const shown = page.getByTestId('rotated-external-id');
    await shown.waitFor();
    // Done: the button that opened the confirmation has the focus again.
    await expectFocus(rotateButton);
    const next = ((await shown.textContent()) ?? '').trim();
    expect(next.length).toBeGreaterThan(8);
    expect(next).not.toBe(main.externalId);
    const conn = (await (await api('GET', `/v1/orgs/${owner.orgId}/connections/${main.id}`)).json()) as {
      rotationPending: boolean;
      previousExternalIdExpiresAt: string | null;
    };
    expect(conn.rotationPending).toBe(true);
    expect(conn.previousExternalIdExpiresAt).not.toBeNull();
    await page.getByText(/The previous external ID is accepted until/).waitFor();
    await page.getByTestId('rotation-pending').waitFor();
    // During the grace period the trust policy accepts both IDs.
    const trust = (await page.getByRole('region', { name: 'Trust policy' }).textContent()) ?? '';
    expect(trust).toContain(next);
    expect(trust).toContain(main.externalId);
    await shot(page, 'screens-06-rotated');
  });

  it('renders the security insights with the events just made', async () => {
    await page.getByRole('link', { name: 'Insights', exact: true }).click();
    const table = page.getByTestId('insight-access-log');
    await table.waitFor();
    await expect.poll(() => table.textContent()).toContain('connection.external_id_rotated');
    // Connections and actors by name: the connection's name, the member's email.
    expect(await table.textContent()).toContain('main-renamed');
    expect(await table.textContent()).toContain(`${owner.userId}@example.test`);
    // An impossible window: the API's message beside the field.
    await page.getByLabel(/^From/).fill('2026-11-30T10:00');
    await page.getByLabel(/^To/).fill('2026-11-30T09:00');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByTestId('field-error-since').waitFor();
    await page.getByRole('tab', { name: 'Threats' }).click();
    await page.getByTestId('insight-threats').waitFor();
    await page.getByRole('tab', { name: 'Traffic' }).click();
    const traffic = page.getByTestId('insight-traffic');
    await traffic.waitFor();
    expect(await traffic.textContent()).toMatch(/[1-9]\d* events in the window/);
    await shot(page, 'screens-07-insights');
  });

  it('creates an API key that expires in 30 days and lists its expiry', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    const form = page.getByRole('form', { name: 'Create an API key' });
    await form.getByLabel('Name', { exact: true }).fill('nightly agent');
    await form.getByLabel('Expires').selectOption('30');
    await form.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-api-key').waitFor();
    await page.getByText(/It stops working at/).waitFor();
    const row = page.getByTestId('api-keys').getByRole('row', { name: /nightly agent/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('(in 30 days)');
    const keys = (await (await api('GET', `/v1/orgs/${owner.orgId}/api-keys`)).json()) as {
      items: { name: string; expiresAt: string | null }[];
    };
    const expiresAt = keys.items.find((k) => k.name === 'nightly agent')?.expiresAt ?? null;
    expect(expiresAt).not.toBeNull();
    const days = (Date.parse(expiresAt ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    await page.getByRole('button', { name: 'Done' }).click();
    await shot(page, 'screens-08-api-key-expiry');
  });

  it('revokes the key: a cancelled confirm keeps focus on its button, a revocation moves it to the heading', async () => {
    const row = page.getByTestId('api-keys').getByRole('row', { name: /nightly agent/ });
    const revokeButton = row.getByRole('button', { name: 'Revoke' });
    page.once('dialog', (d) => void d.dismiss());
    await revokeButton.click();
    await expectFocus(revokeButton);
    expect(await row.count()).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await revokeButton.click();
    await expect.poll(() => row.count()).toBe(0);
    // The row and its button are gone: focus is on the section, not dropped to the page's body.
    await expectFocus(page.getByRole('heading', { name: 'API keys' }));
  });

  it('removes the member: focus as for a revoked key', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    const row = page.getByRole('row', { name: new RegExp(`${member.userId}@example\\.test`) });
    const removeButton = row.getByRole('button', { name: 'Remove' });
    page.once('dialog', (d) => void d.dismiss());
    await removeButton.click();
    await expectFocus(removeButton);
    page.once('dialog', (d) => void d.accept());
    await removeButton.click();
    await expect.poll(() => row.count()).toBe(0);
    await expect
      .poll(() => isFocused(page.getByRole('heading', { name: 'Members', exact: true })))
      .toBe(true);
    const members = (await (await api('GET', `/v1/orgs/${owner.orgId}/members`)).json()) as {
      items: { userId: string }[];
    };
    expect(members.items.map((m) => m.userId)).not.toContain(member.userId);
  });

  it('deletes the connection after a confirmation that names it', async () => {
    await openConnection(page, 'main-renamed');
    await page.getByRole('tab', { name: 'Settings' }).click();
    // The confirmation takes focus at its name field; Cancel hands it back to "Delete…".
    const deleteButton = page.getByRole('button', { name: 'Delete…' });
    await deleteButton.click();
    const confirm = page.getByRole('form', { name: 'Confirm the deletion' });
    const nameField = confirm.getByLabel('Type main-renamed to delete this connection');
    await expectFocus(nameField);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expectFocus(deleteButton);
    await deleteButton.click();
    const button = confirm.getByRole('button', { name: 'Delete main-renamed' });
    expect(await button.isDisabled()).toBe(true);
    await confirm.getByLabel('Type main-renamed to delete this connection').fill('main');
    expect(await button.isDisabled()).toBe(true);
    await confirm.getByLabel('Type main-renamed to delete this connection').fill('main-renamed');
    await button.click();
    await page.getByRole('heading', { name: 'AWS connections' }).waitFor();
    // The connection is gone: the list's heading takes focus (a navigation).
    await expectFocus(page.getByRole('heading', { name: 'AWS connections' }));
    await expect.poll(() => page.getByRole('row', { name: /main-renamed/ }).count()).toBe(0);
    expect((await api('GET', `/v1/orgs/${owner.orgId}/connections/${main.id}`)).status).toBe(404);
  });

  it('logged no browser console error beyond the two refusals the steps asked for', async () => {
    // The refused edit (moon-1) and the impossible insights window: Chromium logs each failed fetch.
    expect(failedResponses).toEqual([
      `400 PATCH /v1/orgs/${owner.orgId}/connections/${main.id}`,
      `400 GET /v1/orgs/${owner.orgId}/insights/access-log`,
    ]);
    const unexpected = consoleErrors.filter(
      (e) => !/^owner: Failed to load resource: the server responded with a status of 400/.test(e),
    );
    expect(unexpected).toEqual([]);
    expect(consoleErrors.length).toBeLessThanOrEqual(2);
  });
});
