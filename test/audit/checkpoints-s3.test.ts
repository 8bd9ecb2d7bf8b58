import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpointsFromS3 } from '../../src/audit/checkpoints/cli.ts';

// `rolegate audit verify --checkpoints s3://bucket/prefix` reads the customer's copies with the
// caller's own credentials; mocked at the SDK boundary.
const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const doc = (n: number) => ({ format: 'rolegate-audit-checkpoint/v1', n });

describe('reading checkpoints from s3://', () => {
  it('lists every page under the prefix, reads the .json objects and orders them by number', async () => {
    s3.on(ListObjectsV2Command, {
      Bucket: 'evidence',
      Prefix: 'rolegate/org_a/',
      ContinuationToken: undefined,
    }).resolves({
      Contents: [
        { Key: 'rolegate/org_a/0000000002.json', Size: 100 },
        { Key: 'rolegate/org_a/README.txt', Size: 10 },
      ],
      IsTruncated: true,
      NextContinuationToken: 'page2',
    });
    s3.on(ListObjectsV2Command, {
      Bucket: 'evidence',
      Prefix: 'rolegate/org_a/',
      ContinuationToken: 'page2',
    }).resolves({
      Contents: [
        { Key: 'rolegate/org_a/0000000001.json', Size: 100 },
        { Key: 'rolegate/org_a/huge.json', Size: 10_000_000 },
        { Key: 'rolegate/org_a/broken.json', Size: 5 },
      ],
      IsTruncated: false,
    });
    const bodies: Record<string, string> = {
      'rolegate/org_a/0000000001.json': JSON.stringify(doc(1)),
      'rolegate/org_a/0000000002.json': JSON.stringify(doc(2)),
      'rolegate/org_a/broken.json': '{nope',
    };
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => ({
      Body: { transformToString: async () => bodies[input.Key] ?? '' },
    }));
    const inputs = await readCheckpointsFromS3('s3://evidence/rolegate/org_a/', {
      region: 'eu-west-1',
      endpointUrl: undefined,
    });
    // Unparsable and oversized objects come first as malformed inputs (the verifier reports them).
    expect(inputs.map((i) => i.source)).toEqual([
      'rolegate/org_a/huge.json',
      'rolegate/org_a/broken.json',
      'rolegate/org_a/0000000001.json',
      'rolegate/org_a/0000000002.json',
    ]);
    expect(inputs.slice(0, 2).map((i) => i.checkpoint)).toEqual([null, null]);
    // The oversized object was never downloaded.
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).not.toContain(
      'rolegate/org_a/huge.json',
    );
  });

  it('refuses something that is not an s3:// URL', async () => {
    await expect(
      readCheckpointsFromS3('https://evidence/x', { region: 'eu-west-1', endpointUrl: undefined }),
    ).rejects.toThrow(/s3:\/\/bucket\/prefix/);
  });
});
