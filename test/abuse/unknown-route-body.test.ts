import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

// The answer to a body sent to an unknown route is made before the body is read; it must still be
// an ordinary answer (request id, security headers), and a kept-alive socket that carries many
// requests with bodies must not collect a listener per request.

let t: TestApp;
let port: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await createTestApp();
  t.app.server.on('connection', (socket: Socket) => sockets.push(socket));
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await t.close();
});

function post(
  path: string,
  body: string,
  agent?: Agent,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('bodies sent to unknown routes', () => {
  it('are answered 404 with the request id and the security headers of every other answer', async () => {
    const viaInject = await t.app.inject({
      method: 'POST',
      url: '/v1/orgs/org_x/connections/./verify',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(viaInject.statusCode).toBe(404);
    expect(viaInject.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    expect(viaInject.json().error.requestId).toBe(viaInject.headers['x-request-id']);
    expect(viaInject.headers['x-content-type-options']).toBe('nosniff');

    const overTcp = await post('/v1/no-such-route', '{"a":1}');
    expect(overTcp.status).toBe(404);
    expect(overTcp.headers['x-request-id']).toBe(JSON.parse(overTcp.text).error.requestId);
    expect(overTcp.headers['content-security-policy']).toBeDefined();
  });

  it('a kept-alive socket carrying many requests with bodies does not collect close listeners', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 30; i++) {
        const res = await post(
          '/v1/auth/login',
          JSON.stringify({ email: `nobody${i}@example.com`, password: 'x' }),
          agent,
        );
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
      const used = sockets.filter((s) => !s.destroyed);
      expect(used.length).toBe(1);
      // Node's own listeners plus at most one of ours for a request in flight; not one per request.
      expect(used[0]!.listenerCount('close')).toBeLessThan(8);
    } finally {
      agent.destroy();
    }
  });
});
