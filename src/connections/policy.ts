import { z } from 'zod';
import type { Capability, ConnectionScopes } from './types.ts';

/**
 * The permission policy a customer attaches to the role, generated from exactly the chosen
 * capabilities and scopes. The capability → statements table below is data: reviewing what
 * Rolegate asks for means reading this table, and the tests compare every row to the expected
 * IAM statements.
 */

export interface IamStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: string | string[] };
  Action: string[];
  Resource?: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface IamPolicy {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

/** Which resources a statement applies to; each kind narrows by the connection's scopes. */
export type ResourceKind =
  | 'any' // the action does not support resource-level permissions: `*`, narrowed by region
  | 'global' // `*`, a global action (e.g. s3:ListAllMyBuckets): no region condition applies
  | 's3-buckets'
  | 's3-objects'
  | 'log-groups-any'
  | 'log-groups'
  | 'dynamodb-tables'
  | 'lambda-functions'
  | 'ec2-cleanup'
  | 'ec2-new-snapshots'
  | 'elb-cleanup';

export interface StatementSpec {
  sid: string;
  actions: string[];
  resources: ResourceKind;
  /** Adds `s3:prefix` StringLike when prefixes are scoped (ListBucket). */
  s3PrefixCondition?: boolean;
  /** Requires the clean-up tag conditions on the resource (`aws:ResourceTag/<key>`). */
  tagGuard?: boolean;
}

export const CAPABILITY_STATEMENTS: Readonly<Record<Capability, readonly StatementSpec[]>> = {
  's3-read': [
    { sid: 'S3ListAllBuckets', actions: ['s3:ListAllMyBuckets'], resources: 'global' },
    {
      sid: 'S3ListBuckets',
      actions: ['s3:GetBucketLocation', 's3:ListBucket'],
      resources: 's3-buckets',
      s3PrefixCondition: true,
    },
    { sid: 'S3ReadObjects', actions: ['s3:GetObject'], resources: 's3-objects' },
  ],
  's3-write': [
    {
      sid: 'S3WriteObjects',
      actions: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject'],
      resources: 's3-objects',
    },
  ],
  'logs-read': [
    { sid: 'LogsDescribeGroups', actions: ['logs:DescribeLogGroups'], resources: 'log-groups-any' },
    {
      sid: 'LogsReadGroups',
      actions: ['logs:DescribeLogStreams', 'logs:FilterLogEvents', 'logs:GetLogEvents', 'logs:StartQuery'],
      resources: 'log-groups',
    },
    { sid: 'LogsQueryResults', actions: ['logs:GetQueryResults', 'logs:StopQuery'], resources: 'any' },
  ],
  'dynamodb-read': [
    { sid: 'DynamoDbListTables', actions: ['dynamodb:ListTables'], resources: 'any' },
    {
      sid: 'DynamoDbReadTables',
      actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'],
      resources: 'dynamodb-tables',
    },
  ],
  'lambda-read': [
    { sid: 'LambdaListFunctions', actions: ['lambda:ListFunctions'], resources: 'any' },
    {
      sid: 'LambdaReadFunctions',
      actions: ['lambda:GetFunction', 'lambda:GetFunctionConfiguration'],
      resources: 'lambda-functions',
    },
  ],
  'lambda-invoke': [
    { sid: 'LambdaInvokeFunctions', actions: ['lambda:InvokeFunction'], resources: 'lambda-functions' },
  ],
  'cost-scan': [
    {
      sid: 'CostScanDescribe',
      actions: [
        'ec2:DescribeAddresses',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeNatGateways',
        'ec2:DescribeRouteTables',
        'ec2:DescribeSnapshots',
        'ec2:DescribeVolumes',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth',
        'rds:DescribeDBInstances',
      ],
      resources: 'any',
    },
  ],
  cleanup: [
    {
      sid: 'CleanupEc2Tagged',
      actions: [
        'ec2:CreateSnapshot',
        'ec2:DeleteSnapshot',
        'ec2:DeleteVolume',
        'ec2:DeregisterImage',
        'ec2:ReleaseAddress',
      ],
      resources: 'ec2-cleanup',
      tagGuard: true,
    },
    {
      // The safety snapshot taken before a volume is deleted is a new resource: it carries no tags yet,
      // so the tag guard applies to the volume (statement above) and this one allows only creating it.
      sid: 'CleanupSafetySnapshots',
      actions: ['ec2:CreateSnapshot'],
      resources: 'ec2-new-snapshots',
    },
    {
      sid: 'CleanupLoadBalancersTagged',
      actions: ['elasticloadbalancing:DeleteLoadBalancer'],
      resources: 'elb-cleanup',
      tagGuard: true,
    },
  ],
  // Reconciliation of the audit trail with the customer's CloudTrail (docs/reconciliation.md).
  // LookupEvents has no resource-level permissions: `*`, narrowed by region like the other `any`s.
  'cloudtrail-read': [
    { sid: 'CloudTrailLookupEvents', actions: ['cloudtrail:LookupEvents'], resources: 'any' },
  ],
  // Discovery of a connection group's member accounts (docs/organizations.md), on the management or
  // delegated-administrator account. Organizations has no resource-level permissions for these
  // listings and is a global service: `*`, no region condition.
  'organizations-read': [
    {
      sid: 'OrganizationsListAccounts',
      actions: [
        'organizations:ListAccounts',
        'organizations:ListAccountsForParent',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListRoots',
      ],
      resources: 'global',
    },
  ],
  // Delivery of signed audit checkpoints to the customer's bucket (docs/audit.md): PutObject only,
  // on the one bucket and prefix the connection is scoped to (see auditExportScopeProblem).
  'audit-export': [{ sid: 'AuditExportPutObjects', actions: ['s3:PutObject'], resources: 's3-objects' }],
};

/**
 * Why the capabilities and scopes do not suit the `audit-export` capability, or null: it writes to
 * exactly one bucket and at most one prefix, so the permission policy never grants PutObject on more
 * than that, and it stands alone (no S3 read or write on the same role).
 */
export function auditExportScopeProblem(
  capabilities: readonly Capability[],
  scopes: Pick<ConnectionScopes, 's3Buckets' | 's3Prefixes'>,
): string | null {
  if (!capabilities.includes('audit-export')) return null;
  // The delivered evidence (full audit records, admin-only otherwise) must not be readable or
  // overwritable through the same role: its permission policy would grant both on the same keys.
  if (capabilities.includes('s3-read') || capabilities.includes('s3-write')) {
    return 'audit-export cannot be combined with s3-read or s3-write on one connection';
  }
  if (scopes.s3Buckets.length !== 1) return 'audit-export needs exactly one bucket in scopes.s3Buckets';
  if (scopes.s3Prefixes.length > 1) return 'audit-export allows at most one prefix in scopes.s3Prefixes';
  // A prefix is matched as a string: `logs` would also cover `logs-other/`, another folder.
  const prefix = scopes.s3Prefixes[0];
  if (prefix !== undefined && prefix !== '' && !prefix.endsWith('/')) {
    return 'audit-export needs its prefix in scopes.s3Prefixes to end in /';
  }
  return null;
}

/** The tag a resource must carry for clean-up when the connection names no tag conditions. */
export const DEFAULT_CLEANUP_TAG = { 'rolegate-cleanup': 'allowed' } as const;

export interface PolicyContext {
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  /** The customer's account; `*` renders account-agnostic ARNs (e.g. before the account is known). */
  accountId: string;
}

function regionsOf(scopes: ConnectionScopes): string[] {
  return scopes.regions.length > 0 ? scopes.regions : ['*'];
}

export function resourcesFor(kind: ResourceKind, scopes: ConnectionScopes, ctx: PolicyContext): string[] {
  const p = ctx.partition;
  const a = ctx.accountId;
  const regions = regionsOf(scopes);
  const perRegion = (f: (r: string) => string[]) => regions.flatMap(f);
  switch (kind) {
    case 'any':
    case 'global':
      return ['*'];
    case 's3-buckets':
      return scopes.s3Buckets.length > 0
        ? scopes.s3Buckets.map((b) => `arn:${p}:s3:::${b}`)
        : [`arn:${p}:s3:::*`];
    case 's3-objects': {
      const buckets = scopes.s3Buckets.length > 0 ? scopes.s3Buckets : ['*'];
      const prefixes = scopes.s3Prefixes.length > 0 ? scopes.s3Prefixes : [''];
      return buckets.flatMap((b) => prefixes.map((x) => `arn:${p}:s3:::${b}/${x}*`));
    }
    case 'log-groups-any':
      return perRegion((r) => [`arn:${p}:logs:${r}:${a}:log-group:*`]);
    case 'log-groups': {
      const prefixes = scopes.logGroupPrefixes.length > 0 ? scopes.logGroupPrefixes : [''];
      return perRegion((r) =>
        prefixes.flatMap((x) => [
          `arn:${p}:logs:${r}:${a}:log-group:${x}*`,
          `arn:${p}:logs:${r}:${a}:log-group:${x}*:log-stream:*`,
        ]),
      );
    }
    case 'dynamodb-tables': {
      const tables = scopes.dynamodbTables.length > 0 ? scopes.dynamodbTables : ['*'];
      return perRegion((r) =>
        tables.flatMap((t) => [
          `arn:${p}:dynamodb:${r}:${a}:table/${t}`,
          `arn:${p}:dynamodb:${r}:${a}:table/${t}/index/*`,
        ]),
      );
    }
    case 'lambda-functions': {
      const patterns = scopes.lambdaFunctionPatterns.length > 0 ? scopes.lambdaFunctionPatterns : ['*'];
      return perRegion((r) => patterns.map((f) => `arn:${p}:lambda:${r}:${a}:function:${f}`));
    }
    case 'ec2-cleanup':
      return perRegion((r) => [
        `arn:${p}:ec2:${r}:${a}:volume/*`,
        `arn:${p}:ec2:${r}::snapshot/*`,
        `arn:${p}:ec2:${r}::image/*`,
        `arn:${p}:ec2:${r}:${a}:elastic-ip/*`,
      ]);
    case 'ec2-new-snapshots':
      return perRegion((r) => [`arn:${p}:ec2:${r}::snapshot/*`]);
    case 'elb-cleanup':
      return perRegion((r) => [`arn:${p}:elasticloadbalancing:${r}:${a}:loadbalancer/*`]);
  }
}

/**
 * The clean-up tag conditions in force for a connection: its own, or the default tag. The one source
 * for the policy's `aws:ResourceTag/…` condition, the clean-up dry run's check, and what the
 * connection shows (and the console edits).
 */
export function cleanupTags(scopes: Pick<ConnectionScopes, 'cleanupTagConditions'>): Record<string, string> {
  return Object.keys(scopes.cleanupTagConditions).length > 0
    ? scopes.cleanupTagConditions
    : { ...DEFAULT_CLEANUP_TAG };
}

export function statementFor(
  spec: StatementSpec,
  scopes: ConnectionScopes,
  ctx: PolicyContext,
): IamStatement {
  const statement: IamStatement = {
    Sid: spec.sid,
    Effect: 'Allow',
    Action: [...spec.actions],
    Resource: resourcesFor(spec.resources, scopes, ctx),
  };
  const condition: Record<string, Record<string, string | string[]>> = {};
  if (spec.resources === 'any' && scopes.regions.length > 0) {
    condition.StringEquals = { 'aws:RequestedRegion': [...scopes.regions] };
  }
  if (spec.s3PrefixCondition === true && scopes.s3Prefixes.length > 0) {
    condition.StringLike = { 's3:prefix': scopes.s3Prefixes.map((x) => `${x}*`) };
  }
  if (spec.tagGuard === true) {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(cleanupTags(scopes))) tags[`aws:ResourceTag/${k}`] = v;
    condition.StringEquals = { ...(condition.StringEquals ?? {}), ...tags };
  }
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return statement;
}

/** The role's permission policy: one statement per row of the table, for the chosen capabilities only. */
export function permissionPolicy(
  capabilities: readonly Capability[],
  scopes: ConnectionScopes,
  ctx: PolicyContext,
): IamPolicy {
  const ordered = [...capabilities].sort();
  return {
    Version: '2012-10-17',
    Statement: ordered.flatMap((c) => CAPABILITY_STATEMENTS[c].map((s) => statementFor(s, scopes, ctx))),
  };
}

/**
 * The role's trust policy: only Rolegate's exact principal, only with the external ID (and, when the
 * deployment's egress addresses are configured, only from them). During an
 * external-ID rotation both IDs are listed (StringEquals with a list matches either), so operations
 * keep working while the customer updates the role; the old ID is dropped after re-verification.
 */
export function trustPolicy(input: {
  principalArn: string;
  externalIds: readonly string[];
  sourceIdentity: boolean;
  /**
   * Rolegate's egress addresses (ROLEGATE_EGRESS_IPS): when given, every statement also requires
   * `aws:SourceIp` in them, so a leaked principal credential used from elsewhere cannot assume the
   * role even with the external ID. Conditions of one statement are ANDed by IAM.
   */
  sourceIps?: readonly string[];
}): IamPolicy {
  const externalId = input.externalIds.length === 1 ? input.externalIds[0]! : [...input.externalIds];
  const sourceIps = input.sourceIps ?? [];
  const condition: Record<string, Record<string, string | string[]>> = {
    StringEquals: { 'sts:ExternalId': externalId },
    ...(sourceIps.length > 0 ? { IpAddress: { 'aws:SourceIp': [...sourceIps] } } : {}),
  };
  const statements: IamStatement[] = [
    {
      Sid: 'RolegateAssumeWithExternalId',
      Effect: 'Allow',
      Principal: { AWS: input.principalArn },
      Action: ['sts:AssumeRole'],
      Condition: condition,
    },
    {
      Sid: 'RolegateSessionAttribution',
      Effect: 'Allow',
      Principal: { AWS: input.principalArn },
      Action: input.sourceIdentity ? ['sts:SetSourceIdentity', 'sts:TagSession'] : ['sts:TagSession'],
      Condition: condition,
    },
  ];
  return { Version: '2012-10-17', Statement: statements };
}

// IAM policy grammar (the subset Rolegate emits and accepts), as a schema every generated document must pass.
const iamAction = z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9]+$/, 'service:Action without wildcards');
const stringOrList = <T extends z.ZodString>(s: T) => z.union([s, z.array(s).min(1)]);
const iamArn = z
  .string()
  .max(2048)
  .regex(/^(\*|arn:(aws|aws-cn|aws-us-gov):[a-z0-9-]+:[a-z0-9-*]*:(\d{12}|\*)?:[^\s"]+)$/);
const conditionOperator = z.enum([
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'Bool',
  'NumericLessThanEquals',
  'IpAddress',
]);
export const iamStatementSchema = z
  .strictObject({
    Sid: z.string().regex(/^[A-Za-z0-9]{1,128}$/),
    Effect: z.enum(['Allow', 'Deny']),
    Principal: z.strictObject({ AWS: stringOrList(iamArn) }).optional(),
    NotPrincipal: z.strictObject({ AWS: stringOrList(iamArn) }).optional(),
    Action: stringOrList(iamAction).optional(),
    NotAction: stringOrList(iamAction).optional(),
    Resource: stringOrList(iamArn).optional(),
    NotResource: stringOrList(iamArn).optional(),
    Condition: z
      .partialRecord(
        conditionOperator,
        z.record(
          z
            .string()
            .regex(/^[\w:/.-]+$/)
            .max(256),
          stringOrList(z.string().max(1224)),
        ),
      )
      .optional(),
  })
  .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), 'exactly one of Action, NotAction')
  .refine(
    (s) => !(s.Resource !== undefined && s.NotResource !== undefined),
    'not both Resource and NotResource',
  )
  .refine(
    (s) => !(s.Principal !== undefined && s.NotPrincipal !== undefined),
    'not both Principal and NotPrincipal',
  );

export const iamPolicySchema = z.strictObject({
  Version: z.literal('2012-10-17'),
  Id: z.string().max(128).optional(),
  Statement: z
    .array(iamStatementSchema)
    .min(1)
    .refine((list) => new Set(list.map((s) => s.Sid)).size === list.length, 'Sids must be unique'),
});

/** A permission policy must name resources; a trust policy must name principals and no resources. */
export function validatePermissionPolicy(doc: unknown): IamPolicy {
  const parsed = iamPolicySchema.parse(doc);
  for (const s of parsed.Statement) {
    if (s.Resource === undefined && s.NotResource === undefined) throw new Error(`${s.Sid}: no Resource`);
    if (s.Principal !== undefined) throw new Error(`${s.Sid}: a permission policy has no Principal`);
  }
  return doc as IamPolicy;
}
export function validateTrustPolicy(doc: unknown): IamPolicy {
  const parsed = iamPolicySchema.parse(doc);
  for (const s of parsed.Statement) {
    if (s.Principal === undefined) throw new Error(`${s.Sid}: a trust policy names its Principal`);
    if (s.Resource !== undefined) throw new Error(`${s.Sid}: a trust policy has no Resource`);
  }
  return doc as IamPolicy;
}
