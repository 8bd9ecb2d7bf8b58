import { Writable } from 'node:stream';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AuditEvent, AuditWriter } from '../../src/audit/types.ts';
import type { Broker } from '../../src/broker/broker.ts';
import { sessionPolicy } from '../../src/broker/session.ts';
import type { BrokerConnection, BrokeredCall } from '../../src/broker/types.ts';
import type { Clock } from '../../src/clock.ts';
import type { Actor } from '../../src/core/actor.ts';
import type { Db } from '../../src/db/client.ts';
import { createLogger } from '../../src/logging.ts';

/** The organisation of test actors and connections unless a test says otherwise. */
export const TEST_ORG = 'org_test';

export function testActor(overrides: Partial<Actor> = {}): Actor {
  return {
    type: 'user',
    id: 'usr_01jabcdefghjkmnpqrstvwxyz0',
    userId: 'usr_01jabcdefghjkmnpqrstvwxyz0',
    orgId: TEST_ORG,
    role: 'member',
    sessionId: 'ses_1',
    ip: '127.0.0.1',
    userAgent: null,
    requestId: 'req_0123456789abcdef0123456789abcdef',
    ...overrides,
  };
}

let counter = 0;
export function testConnection(overrides: Partial<BrokerConnection> = {}): BrokerConnection {
  counter += 1;
  return {
    id: `con_test${counter}`,
    orgId: TEST_ORG,
    roleArn: 'arn:aws:iam::222222222222:role/rolegate-access',
    externalId: `rg-ext-${counter}-0123456789abcdef`,
    sourceIdentityEnabled: true,
    ...overrides,
  };
}

export const listBucketsPolicy = sessionPolicy([
  { Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: ['*'] },
]);

export const getObjectPolicy = sessionPolicy([
  { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::bucket-a/*'] },
]);

export interface MutableClock extends Clock {
  advance(ms: number): void;
}

export function testClock(start = Date.parse('2026-11-24T12:00:00Z')): MutableClock {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

export function captureLogger() {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger('debug', sink), text: () => chunks.join('') };
}

/** An in-memory audit writer for the broker's unit tests (the real writer is tested in test/audit). */
export function memoryAudit() {
  const events: AuditEvent[] = [];
  const audit: Pick<AuditWriter, 'record'> = {
    async record(_tx, event) {
      events.push(event);
      return { id: `aud_${events.length}` };
    },
  };
  // Never touched: the in-memory writer ignores the database it is handed.
  const db = {} as unknown as Db;
  return { audit, db, events };
}

/** The audit record a test's brokered call carries. */
export function testAuditEvent(actor: Actor = testActor()) {
  return {
    actorType: actor.type,
    actorId: actor.id,
    action: 'aws.test',
    requestId: actor.requestId,
  } as const;
}

/** Credentials as a brokered call's function receives them: only ever inside `broker.call`. */
export function credentialsVia(
  broker: Pick<Broker, 'call'>,
  request: Omit<BrokeredCall, 'audit'>,
): Promise<AwsCredentialIdentity> {
  return broker.call({ ...request, audit: testAuditEvent(request.actor) }, async (c) => c);
}
