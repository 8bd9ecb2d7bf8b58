import type { Command } from 'commander';
import { z } from 'zod';
import { trustablePrincipalArn } from '../aws/arn.ts';
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
  principal?: string;
  principalArn?: string;
  sourceIdentity?: boolean;
  json?: boolean;
}

/** Stands in for Rolegate's principal when none is configured, so the policies can still be reviewed. */
export const PRINCIPAL_PLACEHOLDER = '<ROLEGATE_PRINCIPAL_ARN>';

export interface RenderedPolicies {
  /** The JSON document for stdout. */
  output: string;
  /** What the operator should know (e.g. a placeholder was used), for stderr. */
  notes: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `rolegate policy render`: the trust and permission policies for the given capabilities and scopes, as JSON. */
export function renderPolicies(
  opts: PolicyRenderOptions,
  env: Record<string, string | undefined>,
): RenderedPolicies {
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

function render(opts: PolicyRenderOptions, env: Record<string, string | undefined>): RenderedPolicies {
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
  const notes: string[] = [];
  // Only the principal is read from the environment: rendering needs no keys, database or AWS.
  const given = opts.principal ?? opts.principalArn ?? principalFromEnv(env);
  // The server's rule (src/aws/arn.ts): an IAM role or user, or an assumed-role session as its role.
  const principal = given === undefined ? undefined : trustablePrincipalArn(given);
  if (given === undefined) {
    notes.push(
      `note: the trust policy names ${PRINCIPAL_PLACEHOLDER}; replace it with Rolegate's IAM role ARN, ` +
        'or pass --principal <arn> (or set ROLEGATE_AWS_PRINCIPAL_ARN)',
    );
  } else if (principal === null) {
    throw new Error(
      `--principal must be an IAM role or user ARN (arn:aws:iam::123456789012:role/name), got ${JSON.stringify(given.slice(0, 80))}`,
    );
  }
  // The document is validated with a well-formed stand-in, then shows the placeholder in its place.
  const validated = validateTrustPolicy(
    trustPolicy({
      principalArn:
        principal === undefined || principal === null ? PRINCIPAL_STAND_IN : pinnedPrincipal(principal),
      externalIds: [externalId],
      sourceIdentity: opts.sourceIdentity !== false,
    }),
  );
  const permissions = validatePermissionPolicy(
    permissionPolicy(capabilities, scopes, { partition, accountId }),
  );
  const trust =
    given === undefined
      ? {
          ...validated,
          Statement: validated.Statement.map((st) => ({ ...st, Principal: { AWS: PRINCIPAL_PLACEHOLDER } })),
        }
      : validated;
  const doc = { externalId, trustPolicy: trust, permissionPolicy: permissions };
  return {
    output: opts.json === true ? `${JSON.stringify(doc)}\n` : `${JSON.stringify(doc, null, 2)}\n`,
    notes,
  };
}

const PRINCIPAL_STAND_IN = 'arn:aws:iam::000000000000:role/rolegate-principal-placeholder';

function principalFromEnv(env: Record<string, string | undefined>): string | undefined {
  const v = env.ROLEGATE_AWS_PRINCIPAL_ARN?.trim();
  return v === undefined || v === '' ? undefined : v;
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
      'comma-separated: s3-read,s3-write,logs-read,dynamodb-read,lambda-read,lambda-invoke,cost-scan,cleanup,cloudtrail-read,audit-export',
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
    .option(
      '--principal <arn>',
      `Rolegate's IAM role ARN (default: ROLEGATE_AWS_PRINCIPAL_ARN; without either: ${PRINCIPAL_PLACEHOLDER})`,
    )
    .option('--principal-arn <arn>', 'same as --principal')
    .option('--no-source-identity', 'omit sts:SetSourceIdentity from the trust policy')
    .option('--json', 'one compact JSON document (the default output is the same document, indented)')
    .action((opts: PolicyRenderOptions) => {
      const { output, notes } = renderPolicies(opts, process.env);
      for (const n of notes) process.stderr.write(`${n}\n`);
      process.stdout.write(output);
    });
}
