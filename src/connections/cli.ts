import type { Command } from 'commander';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config.ts';
import { permissionPolicy, trustPolicy, validatePermissionPolicy, validateTrustPolicy } from './policy.ts';
import { accountIdSchema, capabilitiesSchema, scopesSchema } from './schemas.ts';
import { EXTERNAL_ID_PATTERN, generateExternalId, pinnedPrincipal } from './service.ts';

export interface PolicyRenderOptions {
  capabilities: string;
  bucket?: string[];
  prefix?: string[];
  region?: string[];
  logGroupPrefix?: string[];
  table?: string[];
  function?: string[];
  cleanupTag?: string[];
  accountId?: string;
  partition?: string;
  externalId?: string;
  principalArn?: string;
  sourceIdentity?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `rolegate policy render`: the trust and permission policies for the given capabilities and scopes, as JSON. */
export function renderPolicies(opts: PolicyRenderOptions, env: Record<string, string | undefined>): string {
  try {
    return render(opts, env);
  } catch (err) {
    if (err instanceof z.ZodError) {
      const issue = err.issues[0]!;
      throw new Error(`invalid ${issue.path.length > 0 ? issue.path.join('.') : 'option'}: ${issue.message}`);
    }
    throw err;
  }
}

function render(opts: PolicyRenderOptions, env: Record<string, string | undefined>): string {
  const capabilities = capabilitiesSchema.parse(
    opts.capabilities
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
  const tags: Record<string, string> = {};
  for (const pair of opts.cleanupTag ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error('--cleanup-tag must be key=value');
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const scopes = scopesSchema.parse({
    regions: opts.region ?? [],
    s3Buckets: opts.bucket ?? [],
    s3Prefixes: opts.prefix ?? [],
    logGroupPrefixes: opts.logGroupPrefix ?? [],
    dynamodbTables: opts.table ?? [],
    lambdaFunctionPatterns: opts.function ?? [],
    cleanupTagConditions: tags,
  });
  const accountId = opts.accountId === undefined ? '*' : accountIdSchema.parse(opts.accountId);
  const partition = opts.partition ?? 'aws';
  if (partition !== 'aws' && partition !== 'aws-cn' && partition !== 'aws-us-gov') {
    throw new Error('--partition must be aws, aws-cn or aws-us-gov');
  }
  const externalId = opts.externalId ?? generateExternalId();
  if (!EXTERNAL_ID_PATTERN.test(externalId))
    throw new Error('--external-id must be 2–1224 characters of [\\w+=,.@:/-]');
  const principal = opts.principalArn ?? loadConfig(env).aws.principalArn;
  if (principal === undefined) {
    throw new ConfigError(
      'ROLEGATE_AWS_PRINCIPAL_ARN',
      'is needed (or pass --principal-arn) to render the trust policy',
    );
  }
  const trust = validateTrustPolicy(
    trustPolicy({
      principalArn: pinnedPrincipal(principal),
      externalIds: [externalId],
      sourceIdentity: opts.sourceIdentity !== false,
    }),
  );
  const permissions = validatePermissionPolicy(
    permissionPolicy(capabilities, scopes, { partition, accountId }),
  );
  return `${JSON.stringify({ externalId, trustPolicy: trust, permissionPolicy: permissions }, null, 2)}\n`;
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('IAM policies for customer roles.');
  policy
    .command('render')
    .description(
      'Print the trust policy and the least-privilege permission policy for the given capabilities.',
    )
    .requiredOption(
      '--capabilities <list>',
      'comma-separated: s3-read,s3-write,logs-read,dynamodb-read,lambda-read,lambda-invoke,cost-scan,cleanup',
    )
    .option('--bucket <name>', 'S3 bucket (repeatable)', collect)
    .option('--prefix <prefix>', 'S3 key prefix (repeatable)', collect)
    .option('--region <region>', 'AWS region (repeatable)', collect)
    .option('--log-group-prefix <prefix>', 'CloudWatch log group prefix (repeatable)', collect)
    .option('--table <name>', 'DynamoDB table (repeatable)', collect)
    .option('--function <pattern>', 'Lambda function name pattern, * as wildcard (repeatable)', collect)
    .option('--cleanup-tag <key=value>', 'tag clean-up requires on a resource (repeatable)', collect)
    .option('--account-id <id>', "the customer's 12-digit account ID (default: any)")
    .option('--partition <partition>', 'aws, aws-cn or aws-us-gov', 'aws')
    .option('--external-id <id>', 'the external ID (default: a fresh random one)')
    .option('--principal-arn <arn>', "Rolegate's principal (default: ROLEGATE_AWS_PRINCIPAL_ARN)")
    .option('--no-source-identity', 'omit sts:SetSourceIdentity from the trust policy')
    .action((opts: PolicyRenderOptions) => {
      process.stdout.write(renderPolicies(opts, process.env));
    });
}
