import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { genericTemplateBody, genericTemplateKey } from './generic-template.ts';
import { isValidBucketName, regionSchema } from './schemas.ts';

/**
 * `rolegate templates publish`: uploads the generic CloudFormation template to the operator's S3
 * bucket with the deployment's base credentials (the SDK default provider chain, never a customer
 * role) and prints the URL to set as ROLEGATE_TEMPLATE_URL. CloudFormation fetches quick-create
 * templates only from S3, so this is what makes the console's quick-create link work.
 */
export interface PublishOptions {
  bucket: string;
  /** Key prefix, e.g. `cfn/` (a trailing `/` is added when missing). */
  prefix?: string | undefined;
  region: string;
  /** A custom S3 endpoint (LocalStack, MinIO, tests): path-style URLs. */
  endpointUrl?: string | undefined;
}

const PREFIX = /^[\w!.*'()/-]{0,512}$/;

export function normalisePrefix(prefix: string | undefined): string {
  const p = prefix ?? '';
  if (!PREFIX.test(p) || p.startsWith('/') || p.includes('//') || p.includes('..'))
    throw new Error("--prefix must be an S3 key prefix of [A-Za-z0-9!_.*'()/-] without leading /, // or ..");
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/** The public https URL of an object, as CloudFormation's templateURL expects it. */
export function objectUrl(opts: PublishOptions, key: string): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  if (opts.endpointUrl !== undefined) return `${opts.endpointUrl.replace(/\/+$/, '')}/${opts.bucket}/${path}`;
  const suffix = opts.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${opts.bucket}.s3.${opts.region}.${suffix}/${path}`;
}

export async function publishGenericTemplate(s3: S3Client, opts: PublishOptions): Promise<string> {
  if (!isValidBucketName(opts.bucket)) throw new Error('--bucket must be a valid S3 bucket name');
  if (!regionSchema.safeParse(opts.region).success) throw new Error('--region must be an AWS region name');
  const key = genericTemplateKey(normalisePrefix(opts.prefix));
  await s3.send(
    new PutObjectCommand({
      Bucket: opts.bucket,
      Key: key,
      Body: genericTemplateBody(),
      ContentType: 'application/json',
      // CloudFormation reads it with the console user's browser session, not anonymously; the bucket
      // policy decides who may read. The template holds no secret either way.
      CacheControl: 'no-cache',
    }),
  );
  return objectUrl(opts, key);
}

export function registerTemplateCommands(program: Command): void {
  const templates = program.command('templates').description('Onboarding templates.');
  templates
    .command('publish')
    .description(
      'Upload the generic CloudFormation template to your S3 bucket (base AWS credentials) and print the URL to set as ROLEGATE_TEMPLATE_URL.',
    )
    .requiredOption('--bucket <name>', 'S3 bucket the template is published to')
    .option('--prefix <prefix>', 'key prefix, e.g. cfn/', '')
    .option('--region <region>', "the bucket's region (default: AWS_REGION)")
    .action(async (opts: { bucket: string; prefix: string; region?: string }) => {
      const config = loadConfig(process.env);
      const region = opts.region ?? config.aws.region;
      const endpointUrl = config.aws.serviceEndpoints.S3 ?? config.aws.endpointUrl;
      const s3 = new S3Client({
        region,
        ...(endpointUrl === undefined ? {} : { endpoint: endpointUrl, forcePathStyle: true }),
      });
      try {
        const url = await publishGenericTemplate(s3, {
          bucket: opts.bucket,
          prefix: opts.prefix,
          region,
          endpointUrl,
        });
        process.stderr.write('Published. Set this on every Rolegate node and restart:\n');
        process.stdout.write(`ROLEGATE_TEMPLATE_URL=${url}\n`);
      } finally {
        s3.destroy();
      }
    });
}
