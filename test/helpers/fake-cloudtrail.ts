import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  type FakeAws,
  type FakeAwsRequest,
  reply,
  startFakeAws,
  stsAssumeRole,
  stsError,
} from './fake-aws.ts';

/**
 * A small AWS account on 127.0.0.1 for reconciliation tests: STS (AssumeRole), S3 (ListBuckets,
 * GetObject) and CloudTrail (LookupEvents), speaking the real wire formats. Every call is
 * attributed from the caller's access key, as AWS does: STS issues each session its own key and
 * remembers the session name, so a call made with those credentials, through Rolegate or not, is
 * logged under that session. The CloudTrail endpoint then answers LookupEvents from exactly what
 * the account saw — management events only, as the real LookupEvents does (S3 object reads are
 * data events and never appear there).
 */

export interface FakeAccountOptions {
  accountId: string;
  /** Where "now" is for AWS (the test's clock plus a skew). */
  now: () => Date;
  /** Accounts of callers by access-key prefix (base credentials); default: Rolegate's 111111111111. */
  callerAccounts?: Record<string, string>;
  /** Events per LookupEvents page at most (AWS: MaxResults ≤ 50), to force pagination. */
  pageSize?: number;
}

interface Session {
  roleArn: string;
  sessionName: string;
}

export interface FakeAccount {
  aws: FakeAws;
  url: string;
  /** The credentials STS issued, in order, with their session (what a thief could have copied). */
  issued: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken: string } & Session>;
  /** Every CloudTrail document the account logged (management and data events). */
  trail: Array<Record<string, unknown>>;
  /** LookupEvents requests as received (the parsed JSON body). */
  lookups: Array<Record<string, unknown>>;
  /** The next `n` LookupEvents calls answer ThrottlingException. */
  throttleNext(n: number): void;
  /** Adds a ready-made CloudTrail document (forged or foreign events). */
  log(doc: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** `Credential=AKID/date/region/service/aws4_request` of a SigV4 Authorization header. */
function credentialOf(req: FakeAwsRequest): { key: string; region: string; service: string } | null {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    String(req.headers.authorization ?? ''),
  );
  return m === null ? null : { key: m[1] as string, region: m[2] as string, service: m[3] as string };
}

const LOOKUP_TARGET = 'CloudTrail_20131101.LookupEvents';

const seconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startFakeAccount(options: FakeAccountOptions): Promise<FakeAccount> {
  const sessions = new Map<string, Session>();
  const issued: FakeAccount['issued'] = [];
  const trail: Array<Record<string, unknown>> = [];
  const lookups: Array<Record<string, unknown>> = [];
  let throttle = 0;
  let n = 0;

  function identityOf(key: string): Record<string, unknown> {
    const s = sessions.get(key);
    if (s !== undefined) {
      const roleName = s.roleArn.split('/').at(-1) as string;
      return {
        type: 'AssumedRole',
        principalId: `AROAFAKEROLE:${s.sessionName}`,
        arn: `arn:aws:sts::${options.accountId}:assumed-role/${roleName}/${s.sessionName}`,
        accountId: options.accountId,
        accessKeyId: key,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAFAKEROLE',
            arn: s.roleArn,
            accountId: options.accountId,
            userName: roleName,
          },
          attributes: { creationDate: seconds(options.now()), mfaAuthenticated: 'false' },
        },
      };
    }
    const prefix = Object.keys(options.callerAccounts ?? {}).find((p) => key.startsWith(p));
    const account = prefix === undefined ? '111111111111' : (options.callerAccounts?.[prefix] as string);
    // A caller from another account is logged with its account only, as AWS logs cross-account calls.
    return { type: 'AWSAccount', principalId: `AIDAFAKE${account}`, accountId: account };
  }

  function record(
    key: string,
    region: string,
    eventSource: string,
    eventName: string,
    management: boolean,
    requestParameters: Record<string, unknown> | null = null,
  ) {
    trail.push({
      eventVersion: '1.09',
      userIdentity: identityOf(key),
      eventTime: seconds(options.now()),
      eventSource,
      eventName,
      awsRegion: region,
      sourceIPAddress: '127.0.0.1',
      userAgent: 'aws-sdk-js/3',
      requestParameters,
      responseElements: null,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: eventName !== 'AssumeRole',
      eventType: 'AwsApiCall',
      managementEvent: management,
      recipientAccountId: options.accountId,
      eventCategory: management ? 'Management' : 'Data',
    });
  }

  function lookupEvents(req: FakeAwsRequest, res: ServerResponse) {
    const json = { 'content-type': 'application/x-amz-json-1.1' };
    if (throttle > 0) {
      throttle -= 1;
      reply(res, 400, JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }), json);
      return;
    }
    const body = JSON.parse(req.body) as {
      StartTime?: number;
      EndTime?: number;
      MaxResults?: number;
      NextToken?: string;
    };
    lookups.push(body);
    const start = (body.StartTime ?? 0) * 1000;
    const end = (body.EndTime ?? Number.MAX_SAFE_INTEGER / 1000) * 1000;
    // Management events only, newest first: what LookupEvents returns.
    const events = trail
      .filter((e) => e.managementEvent === true)
      .filter((e) => {
        const t = Date.parse(e.eventTime as string);
        return t >= start && t <= end;
      })
      .reverse();
    const offset =
      body.NextToken === undefined ? 0 : Number(Buffer.from(body.NextToken, 'base64url').toString());
    const size = Math.min(body.MaxResults ?? 50, options.pageSize ?? 50);
    const page = events.slice(offset, offset + size);
    const next =
      offset + size < events.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
    reply(
      res,
      200,
      JSON.stringify({
        Events: page.map((e) => ({
          EventId: e.eventID,
          EventName: e.eventName,
          ReadOnly: String(e.readOnly),
          EventTime: Date.parse(e.eventTime as string) / 1000,
          EventSource: e.eventSource,
          Username: (e.userIdentity as { arn?: string }).arn?.split('/').at(-1),
          Resources: [],
          CloudTrailEvent: JSON.stringify(e),
        })),
        ...(next === undefined ? {} : { NextToken: next }),
      }),
      json,
    );
  }

  const aws = await startFakeAws((req, res) => {
    const cred = credentialOf(req);
    if (cred === null) return reply(res, 403, '<Error><Code>MissingAuthenticationToken</Code></Error>');
    // The SDK sends the short target; AWS's API reference shows the fully qualified one: both are accepted.
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target === LOOKUP_TARGET || target === `com.amazonaws.cloudtrail.v20131101.${LOOKUP_TARGET}`) {
      if (String(req.headers['content-type'] ?? '') !== 'application/x-amz-json-1.1' || req.method !== 'POST')
        return reply(res, 400, '{"__type":"SerializationException"}', {
          'content-type': 'application/x-amz-json-1.1',
        });
      record(cred.key, cred.region, 'cloudtrail.amazonaws.com', 'LookupEvents', true);
      return lookupEvents(req, res);
    }
    if (cred.service === 'sts' && req.params.get('Action') === 'AssumeRole') {
      const roleArn = req.params.get('RoleArn') ?? '';
      const sessionName = req.params.get('RoleSessionName') ?? '';
      record(cred.key, cred.region, 'sts.amazonaws.com', 'AssumeRole', true, {
        roleArn,
        roleSessionName: sessionName,
      });
      n += 1;
      const accessKeyId = `ASIAFAKE${String(n).padStart(12, '0')}`;
      const credentials = {
        accessKeyId,
        secretAccessKey: `secret-${n}-do-not-log`,
        sessionToken: `token-${n}-do-not-log`,
      };
      sessions.set(accessKeyId, { roleArn, sessionName });
      issued.push({ ...credentials, roleArn, sessionName });
      return stsAssumeRole(res, {
        ...credentials,
        expiration: new Date(options.now().getTime() + 3_600_000),
      });
    }
    if (cred.service === 'sts') return stsError(res, 400, 'InvalidAction');
    if (cred.service === 's3') {
      const path = req.url.split('?')[0] ?? '/';
      if (path === '/' && req.method === 'GET') {
        record(cred.key, cred.region, 's3.amazonaws.com', 'ListBuckets', true);
        return reply(
          res,
          200,
          `<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>owner</ID></Owner><Buckets><Bucket><Name>acme-data</Name><CreationDate>2024-01-02T03:04:05.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`,
          { 'content-type': 'application/xml' },
        );
      }
      // Object-level reads: data events (a trail logs them only when data events are on).
      record(cred.key, cred.region, 's3.amazonaws.com', 'GetObject', false);
      return reply(res, 200, 'hello', { 'content-type': 'text/plain' });
    }
    return reply(res, 400, '<Error><Code>UnknownOperation</Code></Error>');
  });

  return {
    aws,
    url: aws.url,
    issued,
    trail,
    lookups,
    throttleNext(count) {
      throttle = count;
    },
    log(doc) {
      trail.push(doc);
    },
    close: () => aws.close(),
  };
}
