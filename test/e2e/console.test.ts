import { mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium } from './browser.ts';

/**
 * The console end to end: the real server (PGlite, built web/dist) on 127.0.0.1, AWS mocked with
 * aws-sdk-client-mock, Debian's Chromium driven by playwright-core. Steps run in order and share one
 * browser page, like a newcomer walking through the console.
 */

const SHOTS = 'test-results/e2e';
const PASSWORD = 'a long enough passphrase 42';
const email = `e2e-${Date.now()}@example.com`;

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
/** Everything the role was not granted answers AccessDenied, as a least-privilege role does. */
const denied = [
  mockClient(CloudWatchLogsClient),
  mockClient(DynamoDBClient),
  mockClient(LambdaClient),
  mockClient(EC2Client),
];
/** The external ID the console showed; the mocked role accepts only that one. */
let expectedExternalId: string | null = null;

let t: TestApp;
let browser: Browser;
let page: Page;
let baseUrl: string;
let totpSecret = '';
let hookServer: Server;
let hookUrl = '';
const hooks: Array<{ body: string; headers: IncomingHttpHeaders }> = [];
let backupCode = '';

async function shot(name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

function totp(offsetSeconds = 0): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSecret), digits: 6, period: 30 }).generate({
    timestamp: Date.now() + offsetSeconds * 1000,
  });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sts.on(GetCallerIdentityCommand).resolves({
    Arn: 'arn:aws:iam::111111111111:role/rolegate-service',
    Account: '111111111111',
  });
  sts.on(AssumeRoleCommand).callsFake((input: { ExternalId?: string; RoleArn?: string }) => {
    if (expectedExternalId !== null && input.ExternalId === expectedExternalId) {
      return {
        Credentials: {
          AccessKeyId: 'ASIAE2EFAKE',
          SecretAccessKey: 'fake-secret',
          SessionToken: 'fake-session',
          Expiration: new Date(Date.now() + 3600_000),
        },
        AssumedRoleUser: { Arn: `${input.RoleArn ?? ''}/session`, AssumedRoleId: 'AROAFAKE:session' },
      };
    }
    throw Object.assign(new Error('not authorized to perform sts:AssumeRole'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
  });
  for (const m of denied as { onAnyCommand(): { rejects(e: Error): unknown } }[]) {
    m.onAnyCommand().rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
  }
  s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'e2e-bucket', CreationDate: new Date() }] });
  s3.on(ListObjectsV2Command).resolves({
    Contents: [{ Key: 'report.csv', Size: 2048, LastModified: new Date() }],
    CommonPrefixes: [{ Prefix: 'logs/' }],
    IsTruncated: false,
  });

  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += String(c);
    });
    req.on('end', () => {
      hooks.push({ body, headers: req.headers });
      res.end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/rolegate`;
  // The receiver lives on 127.0.0.1: the development-only switch lets an organisation webhook reach it.
  t = await createTestApp({ env: { ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  hookServer?.close();
  sts.restore();
  s3.restore();
  for (const m of denied as { restore(): void }[]) m.restore();
});

describe.sequential('web console', () => {
  it('serves the console with a strict CSP and no console errors', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('401')) errors.push(m.text());
    });
    const res = await page.goto(`${baseUrl}/`);
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
    // Client-side routes fall back to the console.
    const deep = await page.request.get(`${baseUrl}/audit`, { headers: { accept: 'text/html' } });
    expect(deep.status()).toBe(200);
  });

  it('signs up, enables MFA with a TOTP code, and shows backup codes once', async () => {
    await page.getByRole('button', { name: 'No account yet? Sign up' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'AWS connections' }).waitFor();
    await shot('01-connections-empty');

    // No token in web storage: the refresh token is an httpOnly cookie, the access token in memory.
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(storage).toBe('{}');
    const cookies = await page.context().cookies();
    const refresh = cookies.find((c) => c.name === 'rolegate_refresh');
    expect(refresh?.httpOnly).toBe(true);
    expect(refresh?.sameSite).toBe('Strict');
    expect(refresh?.path).toBe('/v1/auth');
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie),
    ).toBe('');

    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Enable two-factor authentication' }).click();
    const secret = page.getByTestId('totp-secret');
    await secret.waitFor();
    totpSecret = (await secret.textContent())?.trim() ?? '';
    expect(totpSecret).toMatch(/^[A-Z2-7]+=*$/);
    await expect
      .poll(() =>
        page
          .getByAltText('QR code of the TOTP secret')
          .evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    await shot('02-mfa-setup');
    await page.getByLabel('Current 6-digit code').fill(totp());
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByTestId('backup-codes');
    await codes.waitFor();
    expect(await codes.locator('li').count()).toBeGreaterThanOrEqual(8);
    backupCode = (await codes.locator('li').first().textContent())?.trim() ?? '';
    await expect.poll(() => page.getByTestId('mfa-status').textContent()).toBe('on');
    await shot('03-backup-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => codes.count()).toBe(0);
  });

  it('survives a reload (refresh cookie), logs out, and logs back in with the MFA step', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Security' }).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'rolegate_refresh')).toBeUndefined();
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Request ID');
    await shot('04-login-error');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    await shot('05-mfa-step');
    // The enabling code's step is spent; the next step's code is within the ±1 step window.
    await page.getByLabel(/Code from your authenticator app/).fill(totp(30));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Security' }).waitFor();
  });

  it('creates an API key and shows it once', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByText('No API keys yet').waitFor();
    await page.getByLabel('Name').fill('ci deploy');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = page.getByTestId('new-api-key');
    await key.waitFor();
    const value = (await key.textContent()) ?? '';
    expect(value).toMatch(/^rg_live_/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    await page.getByRole('cell', { name: 'ci deploy' }).waitFor();
    await shot('06-api-key-created');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('new-api-key').count()).toBe(0);
    expect(await page.content()).not.toContain(value);
    // The key works against the API.
    const me = await page.request.get(`${baseUrl}/v1/orgs/${await orgIdOf()}/connections`, {
      headers: { authorization: `Bearer ${value}` },
    });
    expect(me.status()).toBe(200);
  });

  it('walks the connection wizard: templates, role ARN, verification', async () => {
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('button', { name: 'Connect an AWS account' }).click();
    await page.getByLabel('Connection name').fill('production');
    await page.getByRole('button', { name: 'Create and generate templates' }).click();
    const ext = page.getByTestId('external-id');
    await ext.waitFor();
    expectedExternalId = ((await ext.textContent()) ?? '').trim();
    expect(expectedExternalId.length).toBeGreaterThan(8);
    for (const title of ['Trust policy', 'Permission policy', 'Terraform', 'AWS CLI', 'CloudFormation']) {
      await page.getByRole('button', { name: `Copy ${title}`, exact: true }).waitFor();
    }
    const trust = (await page.getByRole('region', { name: 'Trust policy' }).textContent()) ?? '';
    expect(trust).toContain(expectedExternalId);
    // No generic template published in this deployment: the YAML to download and the console steps,
    // never a quick-create link that CloudFormation could not follow.
    expect(await page.getByRole('link', { name: 'Open the CloudFormation quick-create page' }).count()).toBe(
      0,
    );
    const download = page.getByRole('link', { name: 'Download the CloudFormation template' });
    expect(await download.getAttribute('href')).toMatch(/^data:application\/yaml/);
    expect((await page.getByRole('list', { name: 'CloudFormation steps' }).textContent()) ?? '').toContain(
      'Upload a template file',
    );
    await shot('07-wizard-templates');

    await page.getByRole('button', { name: 'I created the role — next' }).click();
    // A wrong ARN: the API's message for that field is shown beside it, not only "not valid".
    await page.getByLabel('Role ARN').fill('arn:aws:s3:::not-a-role');
    await page.getByRole('button', { name: 'Save and verify' }).click();
    const fieldError = page.getByTestId('field-error-roleArn');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('must be an IAM role ARN like');
    await shot('07b-wizard-field-error');
    await page.getByLabel('Role ARN').fill('arn:aws:iam::123456789012:role/RolegateAccess');
    await page.getByRole('button', { name: 'Save and verify' }).click();
    const report = page.getByRole('region', { name: 'Verification report' });
    await report.waitFor();
    await shot('08-wizard-verified');
    const reportText = (await report.textContent()) ?? '';
    expect(reportText).toContain('verified');
    expect(reportText).not.toContain('failed');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'production', exact: true }).waitFor();
    await shot('09-connections');
  });

  it('browses S3 through the verified connection', async () => {
    await page.getByRole('link', { name: 'Open production' }).click();
    await page.getByRole('tab', { name: 'S3' }).click();
    await page.getByRole('link', { name: 'e2e-bucket' }).click();
    await page.getByRole('cell', { name: 'report.csv' }).waitFor();
    await page.getByRole('link', { name: /logs\// }).waitFor();
    expect(await page.getByText('Uploads need the s3-write capability').count()).toBe(1);
    await shot('10-s3-browser');
  });

  it('shows the audit log with an intact chain', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByTestId('audit-table').waitFor();
    await expect.poll(() => page.getByTestId('chain-status').textContent()).toContain('chain intact');
    const text = (await page.getByTestId('audit-table').textContent()) ?? '';
    expect(text).toContain('connection');
    await page.getByLabel('Action (prefix ending in *)').fill('auth.*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(async () =>
        (await page.getByTestId('audit-table').locator('tbody td:nth-child(4) code').allTextContents()).every(
          (a) => a.startsWith('auth.'),
        ),
      )
      .toBe(true);
    await shot('11-audit');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-org_.*\.csv$/);
  });
  it('adds a webhook endpoint, shows its secret once, and a test message verifies with it', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No endpoints yet').waitFor();
    await page.getByLabel('Endpoint URL').fill(hookUrl);
    await page.getByLabel('Description').fill('SIEM');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretEl = page.getByTestId('new-webhook-secret');
    await secretEl.waitFor();
    const secret = (await secretEl.textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => hooks.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const got = hooks[0]!;
    expect(() =>
      new Webhook(secret).verify(got.body, {
        'webhook-id': String(got.headers['webhook-id']),
        'webhook-timestamp': String(got.headers['webhook-timestamp']),
        'webhook-signature': String(got.headers['webhook-signature']),
      }),
    ).not.toThrow();
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return page.getByRole('cell', { name: 'delivered' }).count();
      })
      .toBeGreaterThan(0);
    await shot('12-webhooks');
  });

  it('changes the password and turns two-factor authentication off from the Security page', async () => {
    await page.getByRole('link', { name: 'Security' }).click();
    const form = page.getByRole('form', { name: 'Change password' });
    const NEW_PASSWORD = 'another long passphrase 4242';

    // A mismatch never reaches the server; a wrong current password is refused by it.
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await form.getByLabel('Repeat the new password').fill(`${NEW_PASSWORD}x`);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('do not match');
    await form.getByLabel('Current password').fill('not the password at all');
    await form.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('Request ID');

    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByTestId('password-changed').waitFor();
    // The old password no longer works; the new one does and now only lacks the MFA code
    // (checked against the API directly).
    const login = async (password: string) => {
      const res = await fetch(`${baseUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      return ((await res.json()) as { error: { code: string } }).error.code;
    };
    expect(await login(PASSWORD)).toBe('invalid_credentials');
    expect(await login(NEW_PASSWORD)).toBe('mfa_required');
    await shot('12-password-changed');

    // Turning MFA off needs a code: a wrong one is refused, a backup code is accepted.
    await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    const off = page.getByRole('form', { name: 'Turn off two-factor authentication' });
    await off.getByLabel(/backup code/).fill('000000');
    await off.getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => off.getByRole('alert').textContent()).toContain('Request ID');
    expect(await page.getByTestId('mfa-status').textContent()).toBe('on');
    expect(backupCode).not.toBe('');
    await off.getByLabel(/backup code/).fill(backupCode);
    await off.getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => page.getByTestId('mfa-status').textContent()).toBe('off');
    await page.getByRole('button', { name: 'Enable two-factor authentication' }).waitFor();
    await shot('13-mfa-off');
  });
});

async function orgIdOf(): Promise<string> {
  return page.getByRole('combobox', { name: 'Organisation', exact: true }).inputValue();
}
