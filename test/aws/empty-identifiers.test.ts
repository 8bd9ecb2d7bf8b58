import { DescribeAddressesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { dropEmptyIdentifiers } from '../../src/aws/empty-identifiers.ts';
import { unassociatedAddresses } from '../../src/scans/detectors.ts';
import { loadScanSdk } from '../../src/scans/sdk.ts';
import { type FakeAws, reply, startFakeAws } from '../helpers/fake-aws.ts';

/**
 * LocalStack and moto send an empty string where AWS omits a field. These tests speak EC2's real
 * Query/XML wire format to the real SDK stack, as moto answers it, so the SDK's own parsing runs.
 */

const credentials = {
  accessKeyId: 'ASIATESTTESTTESTTEST',
  secretAccessKey: 'test-secret',
  sessionToken: 'tok',
};
let fake: FakeAws | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** DescribeAddresses as moto answers it: the unassociated address has empty association fields. */
const MOTO_ADDRESSES = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <addressesSet>
    <item>
      <publicIp>198.51.100.7</publicIp>
      <allocationId>eipalloc-0free</allocationId>
      <domain>vpc</domain>
      <instanceId></instanceId>
      <associationId></associationId>
      <networkInterfaceId></networkInterfaceId>
      <networkInterfaceOwnerId></networkInterfaceOwnerId>
      <privateIpAddress></privateIpAddress>
      <tagSet/>
    </item>
    <item>
      <publicIp>198.51.100.8</publicIp>
      <allocationId>eipalloc-0used</allocationId>
      <domain>vpc</domain>
      <instanceId>i-0123456789abcdef0</instanceId>
      <associationId>eipassoc-0abc</associationId>
      <networkInterfaceId>eni-0abc</networkInterfaceId>
      <privateIpAddress>10.0.0.8</privateIpAddress>
      <tagSet/>
    </item>
  </addressesSet>
</DescribeAddressesResponse>`;

describe('empty identifiers from AWS-compatible endpoints are treated as absent', () => {
  it('an Elastic IP that moto reports with NetworkInterfaceId "" is found unassociated', async () => {
    fake = await startFakeAws((request, res) => {
      if (request.params.get('Action') === 'DescribeAddresses') reply(res, 200, MOTO_ADDRESSES);
      else reply(res, 400, '<Response><Errors><Error><Code>InvalidAction</Code></Error></Errors></Response>');
    });
    const factory = createAwsClientFactory({ region: 'us-east-1', endpointUrl: fake.url });
    try {
      const ec2 = await factory.ec2(credentials);
      const out = await ec2.send(new DescribeAddressesCommand({}));
      const free = out.Addresses?.find((a) => a.AllocationId === 'eipalloc-0free');
      expect(free).toBeDefined();
      expect(free).not.toHaveProperty('NetworkInterfaceId');
      expect(free).not.toHaveProperty('AssociationId');
      expect(free).not.toHaveProperty('InstanceId');

      const findings = await unassociatedAddresses.run(
        { ec2, rds: undefined as never, elbv2: undefined as never, sdk: await loadScanSdk() },
        {
          region: 'us-east-1',
          accountId: '123456789012',
          partition: 'aws',
          now: new Date('2026-11-01T00:00:00Z'),
          snapshotMinAgeDays: 30,
          amiMinAgeDays: 90,
        },
      );
      expect(findings.map((f) => f.resourceId)).toEqual(['eipalloc-0free']);
    } finally {
      factory.destroy();
    }
  });

  it('drops only empty identifier fields, in nested objects and lists, and leaves data alone', () => {
    const output = {
      $metadata: { httpStatusCode: 200, requestId: '' },
      Items: [{ userId: { S: '' }, note: { S: '' } }],
      Reservations: [{ Instances: [{ InstanceId: 'i-1', ImageId: '', KeyName: '' }] }],
      LoadBalancerArns: ['arn:aws:elasticloadbalancing:…', ''],
      LogGroupName: '',
      message: '',
      CreatedAt: new Date(0),
    };
    dropEmptyIdentifiers(output);
    expect(output.Reservations[0]?.Instances[0]).toEqual({ InstanceId: 'i-1', KeyName: '' });
    expect(output.LoadBalancerArns).toEqual(['arn:aws:elasticloadbalancing:…']);
    // DynamoDB attribute values, log messages and names keep their empty strings.
    expect(output.Items[0]).toEqual({ userId: { S: '' }, note: { S: '' } });
    expect(output.LogGroupName).toBe('');
    expect(output.message).toBe('');
    expect(output.$metadata).not.toHaveProperty('requestId');
    expect(output.CreatedAt).toEqual(new Date(0));
  });

  it('does not walk into streams or class instances, and stops at a hostile nesting depth', () => {
    class Body {
      ImageId = '';
    }
    const body = new Body();
    let deep: Record<string, unknown> = { ImageId: '' };
    const root = deep;
    for (let i = 0; i < 10_000; i++) {
      const next: Record<string, unknown> = {};
      deep.child = next;
      deep = next;
    }
    dropEmptyIdentifiers({ Body: body });
    expect(body.ImageId).toBe('');
    expect(() => dropEmptyIdentifiers(root)).not.toThrow();
    expect(root).not.toHaveProperty('ImageId');
  });
});
