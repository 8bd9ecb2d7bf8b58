import { RolegateError } from '@rolegate/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

// The console's transport (web/src/api.ts) over a scripted fetch: headers, the one refresh and retry
// on a 401, and errors read by @rolegate/client. Node has no page: `location` is given before the
// module is loaded (the typed client takes its origin), and `api` is called with absolute URLs.

const base = 'http://console.test';
let consoleApi: typeof import('../src/api.ts');
beforeAll(async () => {
  vi.stubGlobal('location', new URL(base));
  consoleApi = await import('../src/api.ts');
});
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

let seen: Array<{ url: string; method: string; headers: Headers; body: string }>;
let answers: Answer[];

function reply(a: Answer): Response {
  const text = a.body === undefined ? null : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  return new Response(text, {
    status: a.status,
    headers: a.headers ?? { 'content-type': 'application/json' },
  });
}

beforeEach(() => {
  seen = [];
  answers = [];
  vi.stubGlobal('fetch', async (input: Request | string, init?: RequestInit) => {
    const request = typeof input === 'string' ? new Request(new URL(input, base), init) : input;
    seen.push({
      url: new URL(request.url).pathname,
      method: request.method,
      headers: request.headers,
      body: await request.text(),
    });
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    return reply(next);
  });
  consoleApi.setAccessToken('old-token');
});
afterEach(() => {
  consoleApi.setAccessToken(null);
});
afterAll(() => {
  vi.unstubAllGlobals();
});

describe('console API transport', () => {
  it('marks the browser, sends the token, and after a 401 refreshes once and retries with the body', async () => {
    answers = [
      { status: 401, body: { error: { code: 'unauthenticated', message: 'expired', requestId: 'req_1' } } },
      { status: 200, body: { accessToken: 'new-token' } },
      { status: 201, body: { id: 'k1' } },
    ];
    const created = await consoleApi.api<{ id: string }>('POST', `${base}/v1/orgs/o/api-keys`, { name: 'n' });
    expect(created).toEqual({ id: 'k1' });
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/orgs/o/api-keys',
      'POST /v1/auth/refresh',
      'POST /v1/orgs/o/api-keys',
    ]);
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer old-token');
    expect(seen[2]?.headers.get('authorization')).toBe('Bearer new-token');
    expect(seen[2]?.body).toBe('{"name":"n"}');
    for (const r of seen) expect(r.headers.get('x-rolegate-client')).toBe('browser');
  });

  it('throws an ApiError (a RolegateError) with fields, Retry-After and the request ID', async () => {
    answers = [
      {
        status: 400,
        headers: { 'content-type': 'application/json', 'retry-after': '3' },
        body: {
          error: {
            code: 'validation_failed',
            message: 'Invalid input',
            requestId: 'req_2',
            details: { fields: [{ location: 'body', path: 'scopes.s3.buckets.0', message: 'Bad bucket' }] },
          },
        },
      },
    ];
    const error = await consoleApi.api('POST', `${base}/v1/orgs/o/connections`, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(consoleApi.ApiError);
    expect(error).toBeInstanceOf(RolegateError);
    const e = error as InstanceType<typeof consoleApi.ApiError>;
    expect(e).toMatchObject({ status: 400, code: 'validation_failed', requestId: 'req_2', retryAfter: 3 });
    expect(e.messagesFor('scopes.s3')).toEqual(['Bad bucket']);
    expect(e.messagesFor('name')).toEqual([]);
  });

  it('treats 202 approval_required as an error, and a proxy page as unexpected_response', async () => {
    answers = [
      {
        status: 202,
        body: {
          error: {
            code: 'approval_required',
            message: 'Needs approval',
            requestId: 'req_3',
            details: { approvalRequestId: 'apr_1', status: 'pending' },
          },
        },
      },
      { status: 502, body: '<html>Bad gateway</html>', headers: { 'x-request-id': 'req_4' } },
      { status: 202, body: { accepted: true } },
    ];
    const pending = await consoleApi.api('POST', `${base}/v1/x`).catch((e: unknown) => e);
    expect(pending).toBeInstanceOf(consoleApi.ApprovalRequiredError);
    expect((pending as InstanceType<typeof consoleApi.ApprovalRequiredError>).approvalRequestId).toBe(
      'apr_1',
    );
    const proxy = await consoleApi.api('GET', `${base}/v1/y`).catch((e: unknown) => e);
    expect(proxy).toMatchObject({ status: 502, code: 'unexpected_response', requestId: 'req_4' });
    // Any other 202 is a success.
    expect(await consoleApi.api('POST', `${base}/v1/z`)).toEqual({ accepted: true });
  });

  it('runs the typed client over the same transport', async () => {
    answers = [
      { status: 404, body: { error: { code: 'not_found', message: 'No such org', requestId: 'req_5' } } },
    ];
    const { rg } = consoleApi;
    const error = await rg
      .data(rg.api.GET('/v1/orgs/{orgId}', { params: { path: { orgId: 'o' } } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(consoleApi.ApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', requestId: 'req_5' });
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/orgs/o']);
    expect(seen[0]?.headers.get('x-rolegate-client')).toBe('browser');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer old-token');
  });
});
