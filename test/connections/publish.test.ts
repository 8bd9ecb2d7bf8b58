import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericTemplateBody, genericTemplateKey } from '../../src/connections/generic-template.ts';
import { objectUrl, publishGenericTemplate } from '../../src/connections/publish.ts';
import { type FakeAws, reply, startFakeAws } from '../helpers/fake-aws.ts';

/** Issue 22 item 4: `rolegate templates publish` against a fake S3 endpoint. */

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws((_req, res) => reply(res, 200, '', { etag: '"abc"' }));
});
afterAll(async () => {
  await fake.close();
});

function client() {
  return new S3Client({
    region: 'eu-west-1',
    endpoint: fake.url,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDBASE', secretAccessKey: 'base-secret' },
  });
}

describe('rolegate templates publish', () => {
  it('uploads the generic template under a content-addressed key and returns its URL', async () => {
    const url = await publishGenericTemplate(client(), {
      bucket: 'acme-rolegate',
      prefix: 'cfn',
      region: 'eu-west-1',
      endpointUrl: fake.url,
    });
    const key = genericTemplateKey('cfn/');
    expect(fake.requests).toHaveLength(1);
    const put = fake.requests[0]!;
    expect(put.method).toBe('PUT');
    expect(put.url.split('?')[0]).toBe(`/acme-rolegate/${key}`);
    expect(put.headers['content-type']).toBe('application/json');
    expect(put.body).toBe(genericTemplateBody());
    expect(String(put.headers.authorization)).toContain('AKIDBASE');
    expect(url).toBe(`${fake.url}/acme-rolegate/${key}`);
  });

  it('refuses a bad bucket or prefix before any request; prints S3 URLs for AWS', async () => {
    const before = fake.requests.length;
    await expect(
      publishGenericTemplate(client(), { bucket: 'Bad_Bucket', region: 'eu-west-1', endpointUrl: fake.url }),
    ).rejects.toThrow(/--bucket/);
    await expect(
      publishGenericTemplate(client(), { bucket: 'ok-bucket', prefix: '../x', region: 'eu-west-1' }),
    ).rejects.toThrow(/--prefix/);
    expect(fake.requests.length).toBe(before);
    expect(objectUrl({ bucket: 'b-1', region: 'eu-west-1' }, 'cfn/t.json')).toBe(
      'https://b-1.s3.eu-west-1.amazonaws.com/cfn/t.json',
    );
  });
});
