import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { uniqueEmail } from '../identity/support.ts';

// Invitation e-mails through a real SMTP server (the smtp-server package, in this process).

interface Received {
  to: string[];
  data: string;
}
const received: Received[] = [];
let smtp: SMTPServer;
let t: TestApp;
let owner: TestUser;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => {
        data += c.toString('utf8');
      });
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  t = await createTestApp({
    env: {
      ROLEGATE_SMTP_URL: `smtp://127.0.0.1:${port}`,
      ROLEGATE_SMTP_FROM: 'Rolegate <invites@rolegate.test>',
      ROLEGATE_PUBLIC_URL: 'https://rolegate.test',
    },
  });
  owner = await createTestUser(t);
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const invite = (email: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/invitations`,
    headers: { ...owner.headers, ...headers },
    payload: { email, role: 'member' },
  });

describe('invitation e-mails', () => {
  it('e-mails the invitee a link on the configured origin (never the request Host) with the token in the fragment', async () => {
    const email = uniqueEmail();
    const res = await invite(email, { host: 'evil.example' });
    expect(res.statusCode).toBe(201);
    expect(res.json().emailed).toBe(true);
    const token: string = res.json().token;
    const message = received.find((m) => m.to.includes(email));
    expect(message).toBeDefined();
    // Quoted-printable: soft line breaks and =XX escapes.
    const body = message!.data
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    expect(body).toContain(`https://rolegate.test/invite#token=${token}`);
    expect(body).toContain(`Org ${owner.orgId}`);
    expect(body).not.toContain('evil.example');
    expect(message!.data).toMatch(/^From: Rolegate <invites@rolegate\.test>/m);
  });

  it('still creates the invitation when the SMTP server is down (emailed: false), and logs no secret', async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    const email = uniqueEmail();
    const res = await invite(email);
    expect(res.statusCode).toBe(201);
    expect(res.json().emailed).toBe(false);
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/invitations`,
      headers: owner.headers,
    });
    expect(list.json().items.map((i: { email: string }) => i.email)).toContain(email);
    expect(t.logs()).toContain('invitation e-mail not sent');
    expect(t.logs()).not.toContain(res.json().token);
  });
});
