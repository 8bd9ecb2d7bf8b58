import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny AWS-compatible HTTP endpoint on 127.0.0.1 for tests that must exercise the real SDK
 * stack (retries, timeouts, throttling), which aws-sdk-client-mock bypasses by replacing send().
 * Point a client factory at it with `endpointUrl: fake.url`.
 */

export interface FakeAwsRequest {
  method: string;
  /** Path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The form parameters of Query-protocol calls (STS, EC2, RDS, ELBv2): `params.get('Action')`. */
  params: URLSearchParams;
  /** 1-based index of this request since the server started. */
  index: number;
}

/** Answer with `res` (see the reply helpers below); never answering simulates a hung endpoint. */
export type FakeAwsHandler = (request: FakeAwsRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeAws {
  url: string;
  requests: FakeAwsRequest[];
  /** Requests whose Query `Action` equals `action`. */
  calls(action: string): FakeAwsRequest[];
  close(): Promise<void>;
}

export async function startFakeAws(handler: FakeAwsHandler): Promise<FakeAws> {
  const requests: FakeAwsRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const contentType = String(req.headers['content-type'] ?? '');
      const params = contentType.includes('application/x-www-form-urlencoded')
        ? new URLSearchParams(body)
        : new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const request: FakeAwsRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
        params,
        index: requests.length + 1,
      };
      requests.push(request);
      Promise.resolve(handler(request, res)).catch((err: unknown) => {
        if (!res.headersSent) reply(res, 500, xmlError('InternalError', String(err)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    calls: (action) => requests.filter((r) => r.params.get('Action') === action),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = { 'content-type': 'text/xml' },
): void {
  res.writeHead(status, { ...headers, 'x-amzn-requestid': 'fake-request-id' });
  res.end(body);
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A Query-protocol error body (STS, EC2-style services answer this shape). */
export function xmlError(code: string, message = code, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fake-request-id</RequestId></ErrorResponse>`;
}

/** Replies with an STS Query error, e.g. `stsError(res, 400, 'Throttling')`. */
export function stsError(res: ServerResponse, status: number, code: string, message = code): void {
  reply(res, status, xmlError(code, message, status >= 500 ? 'Receiver' : 'Sender'));
}

export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export function fakeCredentials(expiration: Date, seed = 'FAKE'): FakeCredentials {
  return {
    accessKeyId: `ASIA${seed}`.slice(0, 20).padEnd(20, 'X'),
    secretAccessKey: `secret-${seed}-do-not-log`,
    sessionToken: `session-token-${seed}-do-not-log`,
    expiration,
  };
}

/** Replies to an STS AssumeRole with the given credentials. */
export function stsAssumeRole(res: ServerResponse, credentials: FakeCredentials): void {
  reply(
    res,
    200,
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${escapeXml(credentials.accessKeyId)}</AccessKeyId><SecretAccessKey>${escapeXml(credentials.secretAccessKey)}</SecretAccessKey><SessionToken>${escapeXml(credentials.sessionToken)}</SessionToken><Expiration>${credentials.expiration.toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:rg</AssumedRoleId><Arn>arn:aws:sts::222222222222:assumed-role/customer/rg</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>fake-request-id</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  );
}

/** Replies to an STS GetCallerIdentity. */
export function stsCallerIdentity(res: ServerResponse, arn: string): void {
  const account = /::(\d{12}):/.exec(arn)?.[1] ?? '111111111111';
  reply(
    res,
    200,
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${escapeXml(arn)}</Arn><UserId>AIDAFAKE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>fake-request-id</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  );
}
