import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditWriter } from '../../src/audit/types.ts';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import * as brokerModule from '../../src/broker/broker.ts';
import { createBroker } from '../../src/broker/broker.ts';
import {
  captureLogger,
  listBucketsPolicy,
  memoryAudit,
  testActor,
  testAuditEvent,
  testClock,
  testConnection,
} from './fixtures.ts';

// Invariant 12 (issue 14, item 4): credentials for a customer's role exist only inside the broker's
// audited call. The type-level half of this file is checked by `tsc` (each `@ts-expect-error` fails
// the type check if the line it guards ever compiles); the runtime half shows the same at run time.

const sts = mockClient(STSClient);
afterAll(() => sts.restore());
beforeEach(() => sts.reset());

function brokerWith(audit: Pick<AuditWriter, 'record'>) {
  const clock = testClock();
  return createBroker({
    clients: createAwsClientFactory({ region: 'eu-west-1' }),
    clock,
    logger: captureLogger().logger,
    config: { aws: { credentialCache: 'memory', sessionDuration: 900, principalArn: undefined } },
    audit,
    db: memoryAudit().db,
  });
}

function issue(events?: { length: number }) {
  sts.on(AssumeRoleCommand).callsFake(() => ({
    Credentials: {
      AccessKeyId: `ASIAONEPATH${events?.length ?? 0}`,
      SecretAccessKey: 'one-path-secret',
      SessionToken: 'one-path-session',
      Expiration: new Date(Date.now() + 3600_000),
    },
  }));
}

const failingAudit: Pick<AuditWriter, 'record'> = {
  record: async () => {
    throw new Error('audit store down');
  },
};

describe('credentials only inside the audited call (type level)', () => {
  it('offers no other way to credentials, and no call without its audit record', async () => {
    const { audit } = memoryAudit();
    const broker = brokerWith(audit);
    issue();
    const connection = testConnection();
    const actor = testActor();

    // @ts-expect-error the broker has no credentialsFor: only call() hands credentials, to its function
    const credentialsFor: unknown = broker.credentialsFor;
    // @ts-expect-error nor a probe that returns credentials
    const probeAssume: unknown = broker.probeAssume;
    expect(credentialsFor).toBeUndefined();
    expect(probeAssume).toBeUndefined();

    const unaudited = { connection, actor, policy: listBucketsPolicy, operation: 's3.list_buckets' };
    // @ts-expect-error a brokered call must carry its audit record
    const call = broker.call(unaudited, async () => 1);
    await expect(call).rejects.toMatchObject({ code: 'internal_error' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);

    const verdict = await broker.probeTrust({
      connection,
      externalId: null,
      probe: 'without_external_id',
      actor,
      audit: testAuditEvent(actor),
    });
    expect(verdict).toEqual({ outcome: 'accepted' });
    if (verdict.outcome === 'accepted') {
      // @ts-expect-error an accepted trust probe carries no credentials
      const leaked: unknown = verdict.credentials;
      expect(leaked).toBeUndefined();
    }
  });
});

describe('credentials only inside the audited call (run time)', () => {
  it('the broker module and object expose no credential getter', () => {
    const broker = brokerWith(memoryAudit().audit);
    expect(Object.keys(broker).sort()).toEqual([
      'call',
      'effectiveDurationSeconds',
      'forgetConnection',
      'probeTrust',
      'resolvePrincipalArn',
    ]);
    expect(Object.keys(brokerModule)).not.toContain('credentialsFor');
    expect(Object.keys(brokerModule)).not.toContain('probeAssume');
  });

  it('the attempt record is committed before AssumeRole, the outcome after the function', async () => {
    const { audit, events } = memoryAudit();
    const broker = brokerWith(audit);
    const seen: string[] = [];
    sts.on(AssumeRoleCommand).callsFake(() => {
      seen.push(`sts after ${events.map((e) => e.outcome).join(',')}`);
      return {
        Credentials: {
          AccessKeyId: 'ASIAONEPATH',
          SecretAccessKey: 'one-path-secret',
          SessionToken: 'one-path-session',
          Expiration: new Date(Date.now() + 3600_000),
        },
      };
    });
    const actor = testActor();
    const result = await broker.call(
      {
        connection: testConnection(),
        actor,
        policy: listBucketsPolicy,
        operation: 's3.list_buckets',
        audit: testAuditEvent(actor),
      },
      async (credentials) => {
        seen.push(`fn after ${events.map((e) => e.outcome).join(',')}`);
        return credentials.accessKeyId;
      },
    );
    expect(result).toBe('ASIAONEPATH');
    expect(seen).toEqual(['sts after attempt', 'fn after attempt']);
    expect(events.map((e) => e.outcome)).toEqual(['attempt', 'success']);
    expect(events[0]).toMatchObject({ operation: 's3.list_buckets', orgId: actor.orgId });
  });

  it('no audit record, no AssumeRole: neither a call nor a trust probe reaches STS', async () => {
    const broker = brokerWith(failingAudit);
    issue();
    const actor = testActor();
    const connection = testConnection();
    let ran = false;
    await expect(
      broker.call(
        {
          connection,
          actor,
          policy: listBucketsPolicy,
          operation: 's3.list_buckets',
          audit: testAuditEvent(actor),
        },
        async () => {
          ran = true;
        },
      ),
    ).rejects.toMatchObject({ code: 'audit_unavailable', status: 503 });
    await expect(
      broker.probeTrust({
        connection,
        externalId: null,
        probe: 'without_external_id',
        actor,
        audit: testAuditEvent(actor),
      }),
    ).rejects.toMatchObject({ code: 'audit_unavailable', status: 503 });
    expect(ran).toBe(false);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('only the broker sends AssumeRole: no other source file names the command', async () => {
    const root = join(import.meta.dirname, '../../src');
    const offenders: string[] = [];
    async function walk(dir: string): Promise<void> {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (
          entry.name.endsWith('.ts') &&
          /AssumeRole(With\w+)?Command|fromTemporaryCredentials/.test(await readFile(path, 'utf8'))
        )
          offenders.push(relative(root, path));
      }
    }
    await walk(root);
    expect(offenders).toEqual(['broker/broker.ts']);
  });
});
