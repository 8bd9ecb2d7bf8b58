import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection, type TestConnection } from '../helpers/connections.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';
import { launchChromium } from './browser.ts';

/**
 * The console's addresses (docs/console.md, "Addresses"): the organisation, the view, the open
 * connection and its panel (S3 folder, log search) and list filters live in the URL, so a
 * bookmarked deep link, a reload, Back/Forward and a new tab all land on the same screen. The
 * user belongs to two organisations and every view is opened in the second one, so a console that
 * fell back to the first organisation would show the wrong data. The real server on 127.0.0.1,
 * AWS mocked with aws-sdk-client-mock, Debian's Chromium through playwright-core.
 */

const SHOTS = 'test-results/e2e';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const logs = mockClient(CloudWatchLogsClient);

let t: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let baseUrl: string;
let owner: TestUser;
let stranger: TestUser;
let orgA: string;
let orgB: string;
let connA: TestConnection;
let connB: TestConnection;
let groupB: string;

/** Browser console errors and uncaught exceptions over the whole file (must stay empty). */
const errors: string[] = [];
/** Set while a step opens an address the API answers 404 on purpose (Chromium logs the 404). */
let expected404 = false;
/**
 * Chromium logs every 404 response as a console error without its URL, so 404 messages are counted
 * and matched against the 404 responses that are answers, not faults: the steps above that ask for
 * a missing connection, an organisation without SSO settings (the API answers 404 "not
 * configured"), and the MCP clients list of a deployment without OAuth (no public URL: no route).
 */
const notFoundMessages: string[] = [];
const expectedNotFound: string[] = [];
const unexpectedFailures: string[] = [];
const ANSWER_404 = [/^\/v1\/orgs\/org_\w+\/sso$/, /^\/v1\/oauth\/grants$/];

const connName = (c: TestConnection) => `test ${c.id}`;
const orgSelect = () => page.getByRole('combobox', { name: 'Organisation', exact: true });
const heading = (name: string) => page.getByRole('heading', { level: 2, name });
const focusedText = () =>
  page.evaluate(() => {
    const d = globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } };
    return d.document.activeElement?.textContent?.trim() ?? '';
  });

function watch(p: Page): Page {
  p.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of 404/.test(m.text())) {
      notFoundMessages.push(m.text());
    } else {
      errors.push(m.text());
    }
  });
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('response', (r) => {
    if (r.status() < 400) return;
    const path = new URL(r.url()).pathname;
    if (r.status() === 404 && (expected404 || ANSWER_404.some((re) => re.test(path)))) {
      expectedNotFound.push(path);
    } else {
      unexpectedFailures.push(`${r.status()} ${r.request().method()} ${path}`);
    }
  });
  return p;
}

async function open(path: string, headingName: string) {
  await page.goto(`${baseUrl}${path}`);
  await heading(headingName).waitFor();
}

/** Opens `path`, checks it, reloads, checks again: the address alone restores the screen. */
async function deepLinkAndReload(path: string, headingName: string, check: () => Promise<void>) {
  await open(path, headingName);
  await check();
  await page.reload();
  await heading(headingName).waitFor();
  expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(path);
  await check();
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
  s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'addr-bucket', CreationDate: new Date() }] });
  // Each folder has its own content, so the page shows which prefix it listed.
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => {
    const prefix = input.Prefix ?? '';
    if (prefix === 'logs/') {
      return {
        Contents: [{ Key: 'logs/app.log', Size: 10, LastModified: new Date() }],
        CommonPrefixes: [{ Prefix: 'logs/2026/' }],
        IsTruncated: false,
      };
    }
    if (prefix === 'logs/2026/') {
      return {
        Contents: [{ Key: 'logs/2026/deep.txt', Size: 5, LastModified: new Date() }],
        IsTruncated: false,
      };
    }
    return {
      Contents: [{ Key: 'root.csv', Size: 2048, LastModified: new Date() }],
      CommonPrefixes: [{ Prefix: 'logs/' }],
      IsTruncated: false,
    };
  });
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/app/api' }] });
  logs.on(FilterLogEventsCommand).callsFake((input: { logGroupName?: string; filterPattern?: string }) => ({
    events: [
      {
        timestamp: Date.now() - 60_000,
        logStreamName: 'stream-1',
        message: `event of ${input.logGroupName ?? '?'} matching ${input.filterPattern ?? 'everything'}`,
      },
    ],
  }));

  t = await createTestApp();
  owner = await createTestUser(t, { password: TEST_PASSWORD });
  stranger = await createTestUser(t);
  orgA = owner.orgId;
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/orgs',
    headers: owner.headers,
    payload: { name: 'Second Org' },
  });
  expect(created.statusCode).toBe(201);
  orgB = created.json().id;
  connA = await createTestConnection(t, orgA, { capabilities: ['s3-read'] });
  connB = await createTestConnection(t, orgB, { capabilities: ['s3-read', 'logs-read'] });
  const management = await createTestConnection(t, orgB, {
    capabilities: ['organizations-read'],
    accountId: '999999999999',
  });
  const group = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${orgB}/connection-groups`,
    headers: owner.headers,
    payload: { name: 'Second group', managementConnectionId: management.id, capabilities: ['cost-scan'] },
  });
  expect(group.statusCode).toBe(201);
  groupB = group.json().id;
  const token = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${orgB}/scim-tokens`,
    headers: owner.headers,
    payload: { name: 'second-org-idp' },
  });
  expect(token.statusCode).toBe(201);

  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  page = watch(await context.newPage());
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  sts.restore();
  s3.restore();
  logs.restore();
});

describe.sequential('console: addresses', () => {
  it('a bookmarked deep link survives signing in: the S3 folder of a connection in the second organisation', async () => {
    const path = `/orgs/${orgB}/connections/${connB.id}?tab=s3&bucket=addr-bucket&prefix=logs%2F`;
    await page.goto(`${baseUrl}${path}`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('Email').fill(`${owner.userId}@example.test`);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading(connName(connB)).waitFor();
    await page.getByRole('cell', { name: 'app.log' }).waitFor();
    expect(await orgSelect().inputValue()).toBe(orgB);
    expect(page.url()).toBe(`${baseUrl}${path}`);
  });

  it('restores the S3 path after a reload, and Back/Forward move between folders', async () => {
    await page.reload();
    await page.getByRole('cell', { name: 'app.log' }).waitFor();
    expect(await page.getByRole('tab', { name: 'S3' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('navigation', { name: /^Folder / }).textContent()).toContain(
      'addr-bucket / logs',
    );

    await page.getByRole('link', { name: '2026/' }).click();
    await page.getByRole('cell', { name: 'deep.txt' }).waitFor();
    expect(new URL(page.url()).searchParams.get('prefix')).toBe('logs/2026/');
    // The listing that replaced the clicked link holds the focus, not the document body.
    expect(await focusedText()).toBe('addr-bucket / logs / 2026');
    await shot('addresses-01-s3-folder');

    await page.reload();
    await page.getByRole('cell', { name: 'deep.txt' }).waitFor();
    await page.goBack();
    await page.getByRole('cell', { name: 'app.log' }).waitFor();
    await page.goForward();
    await page.getByRole('cell', { name: 'deep.txt' }).waitFor();
    const prefixes = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix ?? '');
    expect(prefixes).toContain('logs/2026/');
  });

  it('opens the same connection panel in a new tab', async () => {
    const href = await page.getByRole('link', { name: '2026', exact: true }).getAttribute('href');
    expect(href).toContain('prefix=logs%2F2026%2F');
    const tab = watch(await context.newPage());
    await tab.goto(`${baseUrl}${href ?? ''}`);
    await tab.getByRole('cell', { name: 'deep.txt' }).waitFor();
    expect(await tab.getByRole('combobox', { name: 'Organisation', exact: true }).inputValue()).toBe(orgB);
    await tab.close();
  });

  it('restores a CloudWatch Logs search (group, pattern, time range) after a reload', async () => {
    const end = new Date();
    const start = new Date(end.getTime() - 6 * 3600_000);
    const search = new URLSearchParams({
      tab: 'logs',
      group: '/app/api',
      pattern: 'ERROR',
      start: start.toISOString(),
      end: end.toISOString(),
    });
    const path = `/orgs/${orgB}/connections/${connB.id}?${search}`;
    const before = logs.commandCalls(FilterLogEventsCommand).length;
    await deepLinkAndReload(path, connName(connB), async () => {
      await page.getByText('event of /app/api matching ERROR').waitFor();
      expect(await page.getByLabel('Log group').inputValue()).toBe('/app/api');
      expect(await page.getByLabel('Filter pattern').inputValue()).toBe('ERROR');
      expect(await page.getByLabel('Time range').inputValue()).toBe('6');
    });
    const calls = logs.commandCalls(FilterLogEventsCommand).slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const c of calls) {
      expect(c.args[0].input).toMatchObject({
        logGroupName: '/app/api',
        filterPattern: 'ERROR',
        startTime: start.getTime(),
        endTime: end.getTime(),
      });
    }
    await shot('addresses-02-logs');
  });

  it('deep links and reloads every view of the second organisation with its own data', async () => {
    await deepLinkAndReload(`/orgs/${orgB}/connections`, 'AWS connections', async () => {
      await page.getByRole('cell', { name: connName(connB), exact: true }).waitFor();
      expect(await page.getByRole('cell', { name: connName(connA), exact: true }).count()).toBe(0);
      expect(await orgSelect().inputValue()).toBe(orgB);
    });
    await deepLinkAndReload(`/orgs/${orgB}/connections/${connB.id}`, connName(connB), async () => {
      expect(await page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
      expect(await orgSelect().inputValue()).toBe(orgB);
    });
    await deepLinkAndReload(`/orgs/${orgB}/organizations`, 'AWS Organizations', async () => {
      await page.getByRole('link', { name: 'Second group' }).waitFor();
      expect(await orgSelect().inputValue()).toBe(orgB);
    });
    await deepLinkAndReload(`/orgs/${orgB}/organizations/${groupB}`, 'Second group', async () => {
      await page.getByTestId('group-progress').waitFor();
      expect(await orgSelect().inputValue()).toBe(orgB);
    });
    await deepLinkAndReload(
      `/orgs/${orgB}/findings?status=dismissed&sort=ageDays&dir=asc`,
      'Waste findings',
      async () => {
        await page.getByText('No dismissed findings match these filters').waitFor();
        expect(await page.getByLabel('Status').inputValue()).toBe('dismissed');
        expect(await orgSelect().inputValue()).toBe(orgB);
      },
    );
    await deepLinkAndReload(`/orgs/${orgB}/approvals?status=denied`, 'Approvals', async () => {
      await page.getByText('No denied requests.').waitFor();
      expect(await page.getByLabel('Show').inputValue()).toBe('denied');
      expect(await orgSelect().inputValue()).toBe(orgB);
    });
    await deepLinkAndReload(`/orgs/${orgB}/webhooks`, 'Webhooks', async () => {
      await page.getByText('No endpoints yet').waitFor();
      expect(await orgSelect().inputValue()).toBe(orgB);
    });
    await deepLinkAndReload(`/orgs/${orgB}/sso`, 'Single sign-on', async () => {
      await page.getByRole('form', { name: 'Single sign-on settings' }).waitFor();
      expect(await orgSelect().inputValue()).toBe(orgB);
    });
    await deepLinkAndReload(`/orgs/${orgB}/scim`, 'SCIM provisioning', async () => {
      await page.getByRole('cell', { name: 'second-org-idp' }).waitFor();
      expect(await orgSelect().inputValue()).toBe(orgB);
    });
    await deepLinkAndReload('/security', 'Security', async () => {
      await page.getByTestId('sessions').waitFor();
    });
    // The first organisation's SCIM page has none of the second one's tokens.
    await open(`/orgs/${orgA}/scim`, 'SCIM provisioning');
    await page.getByText('No SCIM tokens yet.').waitFor();
  });

  it('keeps a filter chosen on the page in the address, and Back undoes it', async () => {
    await open(`/orgs/${orgB}/findings`, 'Waste findings');
    await page.getByLabel('Status').selectOption('cleaned');
    await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('cleaned');
    await page.getByText('No cleaned findings match these filters').waitFor();
    await page.goBack();
    await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe(null);
    expect(await page.getByLabel('Status').inputValue()).toBe('open');
  });

  it('moves between views with Back and Forward, focusing each view heading', async () => {
    await open(`/orgs/${orgB}/connections`, 'AWS connections');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Waste findings' }).click();
    await heading('Waste findings').waitFor();
    await expect.poll(focusedText).toBe('Waste findings');
    await nav.getByRole('link', { name: 'Approvals' }).click();
    await heading('Approvals').waitFor();
    await expect.poll(focusedText).toBe('Approvals');
    expect(await nav.getByRole('link', { name: 'Approvals' }).getAttribute('aria-current')).toBe('page');

    await page.goBack();
    await heading('Waste findings').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgB}/findings`);
    await expect.poll(focusedText).toBe('Waste findings');
    await page.goBack();
    await heading('AWS connections').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgB}/connections`);
    await page.goForward();
    await heading('Waste findings').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgB}/findings`);

    // A connection opened from the list is an address of its own; Back returns to the list.
    await nav.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('link', { name: `Open ${connName(connB)}` }).click();
    await heading(connName(connB)).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgB}/connections/${connB.id}`);
    await page.getByRole('tab', { name: 'S3' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('tab')).toBe('s3');
    await page.goBack();
    await expect.poll(() => new URL(page.url()).searchParams.get('tab')).toBe(null);
    await page.goBack();
    await heading('AWS connections').waitFor();
  });

  it('switches organisation to the same view of the chosen one', async () => {
    await open(`/orgs/${orgB}/scim`, 'SCIM provisioning');
    await orgSelect().selectOption(orgA);
    await page.getByText('No SCIM tokens yet.').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgA}/scim`);
    await page.goBack();
    await page.getByRole('cell', { name: 'second-org-idp' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgB}/scim`);
    // The user-level Security page keeps the organisation the user came from in the sidebar.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Security' }).click();
    await heading('Security').waitFor();
    expect(await orgSelect().inputValue()).toBe(orgB);
    expect(await nav.getByRole('link', { name: 'Connections' }).getAttribute('href')).toBe(
      `/orgs/${orgB}/connections`,
    );
  });

  it('redirects addresses from before organisations were in the URL to the first organisation', async () => {
    await page.goto(`${baseUrl}/findings`);
    await heading('Waste findings').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgA}/findings`);
    await page.goto(`${baseUrl}/approvals?status=denied`);
    await heading('Approvals').waitFor();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(
      `/orgs/${orgA}/approvals?status=denied`,
    );
    await page.goto(`${baseUrl}/`);
    await heading('AWS connections').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgA}/connections`);
    await page.getByRole('cell', { name: connName(connA), exact: true }).waitFor();
  });

  it('says so for an organisation the user is not a member of, never showing another one', async () => {
    for (const id of [stranger.orgId, `org_${'0'.repeat(24)}`]) {
      await open(`/orgs/${id}/connections`, 'Organisation not found');
      const box = page.getByTestId('org-not-found');
      expect(await box.textContent()).toContain('does not exist or you are not a member of it');
      expect(await page.getByRole('heading', { name: 'AWS connections' }).count()).toBe(0);
      expect(await orgSelect().inputValue()).toBe('');
      await box.getByRole('link', { name: /Second Org/ }).waitFor();
    }
    await shot('addresses-03-not-member');
    await page
      .getByTestId('org-not-found')
      .getByRole('link', { name: /Second Org/ })
      .click();
    await heading('AWS connections').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgB}/connections`);
  });

  it("shows the API's 404 for a connection that does not exist, with a way back to the list", async () => {
    expected404 = true;
    try {
      await open(`/orgs/${orgB}/connections/con_${'0'.repeat(24)}`, 'Connection not found');
      await page.getByRole('alert').filter({ hasText: 'not_found' }).waitFor();
      // A connection of the other organisation is not found here either (tenant isolation).
      await open(`/orgs/${orgB}/connections/${connA.id}`, 'Connection not found');
      await page.getByRole('alert').filter({ hasText: 'not_found' }).waitFor();
    } finally {
      expected404 = false;
    }
    await page.getByRole('link', { name: 'All connections' }).click();
    await heading('AWS connections').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${orgB}/connections`);
  });

  it('returns focus to the control that opened a shown-once secret', async () => {
    await open(`/orgs/${orgB}/scim`, 'SCIM provisioning');
    await page.getByLabel('Name').fill('focus check');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-scim-token').waitFor();
    await expect.poll(focusedText).toBe('SCIM token focus check (shown once)');
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(focusedText).toBe('Create token');
  });

  it('logged no browser console error during all of it', () => {
    expect(errors).toEqual([]);
    expect(unexpectedFailures).toEqual([]);
    expect(notFoundMessages.length).toBe(expectedNotFound.length);
  });
});

async function shot(name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}
