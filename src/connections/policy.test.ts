import { describe, expect, it } from 'vitest';
import {
  auditExportScopeProblem,
  CAPABILITY_STATEMENTS,
  type IamStatement,
  iamPolicySchema,
  permissionPolicy,
  trustPolicy,
  validatePermissionPolicy,
  validateTrustPolicy,
} from './policy.ts';
import { EMPTY_SCOPES } from './schemas.ts';
import { renderTemplates } from './templates.ts';
import { CAPABILITIES, type Capability, type ConnectionScopes } from './types.ts';

const ctx = { partition: 'aws' as const, accountId: '123456789012' };
const PRINCIPAL = 'arn:aws:iam::111111111111:role/rolegate-service';

const EXPECTED: Record<Capability, IamStatement[]> = {
  's3-read': [
    { Sid: 'S3ListAllBuckets', Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: ['*'] },
    {
      Sid: 'S3ListBuckets',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::*'],
    },
    { Sid: 'S3ReadObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::*/*'] },
  ],
  's3-write': [
    {
      Sid: 'S3WriteObjects',
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject'],
      Resource: ['arn:aws:s3:::*/*'],
    },
  ],
  'logs-read': [
    {
      Sid: 'LogsDescribeGroups',
      Effect: 'Allow',
      Action: ['logs:DescribeLogGroups'],
      Resource: ['arn:aws:logs:*:123456789012:log-group:*'],
    },
    {
      Sid: 'LogsReadGroups',
      Effect: 'Allow',
      Action: ['logs:DescribeLogStreams', 'logs:FilterLogEvents', 'logs:GetLogEvents', 'logs:StartQuery'],
      Resource: [
        'arn:aws:logs:*:123456789012:log-group:*',
        'arn:aws:logs:*:123456789012:log-group:*:log-stream:*',
      ],
    },
    {
      Sid: 'LogsQueryResults',
      Effect: 'Allow',
      Action: ['logs:GetQueryResults', 'logs:StopQuery'],
      Resource: ['*'],
    },
  ],
  'dynamodb-read': [
    { Sid: 'DynamoDbListTables', Effect: 'Allow', Action: ['dynamodb:ListTables'], Resource: ['*'] },
    {
      Sid: 'DynamoDbReadTables',
      Effect: 'Allow',
      Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'],
      Resource: [
        'arn:aws:dynamodb:*:123456789012:table/*',
        'arn:aws:dynamodb:*:123456789012:table/*/index/*',
      ],
    },
  ],
  'lambda-read': [
    { Sid: 'LambdaListFunctions', Effect: 'Allow', Action: ['lambda:ListFunctions'], Resource: ['*'] },
    {
      Sid: 'LambdaReadFunctions',
      Effect: 'Allow',
      Action: ['lambda:GetFunction', 'lambda:GetFunctionConfiguration'],
      Resource: ['arn:aws:lambda:*:123456789012:function:*'],
    },
  ],
  'lambda-invoke': [
    {
      Sid: 'LambdaInvokeFunctions',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: ['arn:aws:lambda:*:123456789012:function:*'],
    },
  ],
  'cost-scan': [
    {
      Sid: 'CostScanDescribe',
      Effect: 'Allow',
      Action: [
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
      Resource: ['*'],
    },
  ],
  cleanup: [
    {
      Sid: 'CleanupEc2Tagged',
      Effect: 'Allow',
      Action: [
        'ec2:CreateSnapshot',
        'ec2:DeleteSnapshot',
        'ec2:DeleteVolume',
        'ec2:DeregisterImage',
        'ec2:ReleaseAddress',
      ],
      Resource: [
        'arn:aws:ec2:*:123456789012:volume/*',
        'arn:aws:ec2:*::snapshot/*',
        'arn:aws:ec2:*::image/*',
        'arn:aws:ec2:*:123456789012:elastic-ip/*',
      ],
      Condition: { StringEquals: { 'aws:ResourceTag/rolegate-cleanup': 'allowed' } },
    },
    {
      Sid: 'CleanupSafetySnapshots',
      Effect: 'Allow',
      Action: ['ec2:CreateSnapshot'],
      Resource: ['arn:aws:ec2:*::snapshot/*'],
    },
    {
      Sid: 'CleanupLoadBalancersTagged',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:DeleteLoadBalancer'],
      Resource: ['arn:aws:elasticloadbalancing:*:123456789012:loadbalancer/*'],
      Condition: { StringEquals: { 'aws:ResourceTag/rolegate-cleanup': 'allowed' } },
    },
  ],
  'cloudtrail-read': [
    { Sid: 'CloudTrailLookupEvents', Effect: 'Allow', Action: ['cloudtrail:LookupEvents'], Resource: ['*'] },
  ],
  'organizations-read': [
    {
      Sid: 'OrganizationsListAccounts',
      Effect: 'Allow',
      Action: [
        'organizations:ListAccounts',
        'organizations:ListAccountsForParent',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListRoots',
      ],
      Resource: ['*'],
    },
  ],
  'audit-export': [
    {
      Sid: 'AuditExportPutObjects',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: ['arn:aws:s3:::*/*'],
    },
  ],
};

const scoped: ConnectionScopes = {
  regions: ['eu-west-1', 'us-east-2'],
  s3Buckets: ['acme-logs'],
  s3Prefixes: ['app/'],
  logGroupPrefixes: ['/aws/lambda/debug-'],
  dynamodbTables: ['orders'],
  lambdaFunctionPatterns: ['debug-*'],
  cleanupTagConditions: { env: 'dev' },
};

function allActions(statements: IamStatement[]): string[] {
  return statements.flatMap((s) => s.Action);
}

describe('permission policy', () => {
  it.each(CAPABILITIES)('%s renders exactly the expected statements', (capability) => {
    const policy = permissionPolicy([capability], EMPTY_SCOPES, ctx);
    expect(policy.Statement).toEqual(EXPECTED[capability]);
    expect(() => validatePermissionPolicy(policy)).not.toThrow();
  });

  it('the table and the expectations cover the same capabilities', () => {
    expect(Object.keys(CAPABILITY_STATEMENTS).sort()).toEqual([...CAPABILITIES].sort());
  });

  it.each(CAPABILITIES)(
    '%s: scoped policy is valid IAM, has no wildcard action and narrows resources',
    (capability) => {
      const policy = permissionPolicy([capability], scoped, ctx);
      expect(iamPolicySchema.safeParse(policy).success).toBe(true);
      validatePermissionPolicy(policy);
      for (const a of allActions(policy.Statement)) {
        expect(a).not.toContain('*');
        expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      }
      for (const s of policy.Statement) {
        const resources = s.Resource ?? [];
        if (resources.includes('*')) {
          // Only actions without resource-level permissions; narrowed by region unless global.
          // Global services (S3's bucket listing, Organizations) answer in one region only: no region condition.
          if (s.Sid !== 'S3ListAllBuckets' && s.Sid !== 'OrganizationsListAccounts') {
            expect(s.Condition?.StringEquals?.['aws:RequestedRegion']).toEqual(['eu-west-1', 'us-east-2']);
          }
        } else {
          for (const r of resources) expect(r).not.toMatch(/:\*:/); // region fixed, never all regions
        }
      }
    },
  );

  it('audit-export grants PutObject on the one scoped bucket and prefix, and needs exactly that scope', () => {
    const policy = permissionPolicy(['audit-export'], scoped, ctx);
    expect(policy.Statement).toEqual([
      {
        Sid: 'AuditExportPutObjects',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: ['arn:aws:s3:::acme-logs/app/*'],
      },
    ]);
    expect(auditExportScopeProblem(['audit-export'], scoped)).toBeNull();
    expect(auditExportScopeProblem(['audit-export'], EMPTY_SCOPES)).toMatch(/exactly one bucket/);
    expect(auditExportScopeProblem(['audit-export'], { s3Buckets: ['a', 'b'], s3Prefixes: [] })).toMatch(
      /exactly one bucket/,
    );
    expect(auditExportScopeProblem(['audit-export'], { s3Buckets: ['a'], s3Prefixes: ['x/', 'y/'] })).toMatch(
      /at most one prefix/,
    );
    expect(auditExportScopeProblem(['s3-write'], EMPTY_SCOPES)).toBeNull();
    expect(auditExportScopeProblem(['audit-export'], { s3Buckets: ['a'], s3Prefixes: ['logs'] })).toMatch(
      /end in \//,
    );
    // The same role must not read or rewrite what it delivered (review: export evidence finding 1).
    for (const extra of ['s3-read', 's3-write'] as const) {
      expect(auditExportScopeProblem(['audit-export', extra], scoped)).toMatch(/cannot be combined/);
    }
  });

  it('scopes narrow S3, Logs, DynamoDB and Lambda resources', () => {
    const policy = permissionPolicy(['s3-read', 'logs-read', 'dynamodb-read', 'lambda-invoke'], scoped, ctx);
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(bySid.S3ListBuckets?.Resource).toEqual(['arn:aws:s3:::acme-logs']);
    expect(bySid.S3ListBuckets?.Condition).toEqual({ StringLike: { 's3:prefix': ['app/*'] } });
    expect(bySid.S3ReadObjects?.Resource).toEqual(['arn:aws:s3:::acme-logs/app/*']);
    expect(bySid.LogsReadGroups?.Resource).toContain(
      'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/debug-*',
    );
    expect(bySid.DynamoDbReadTables?.Resource).toContain(
      'arn:aws:dynamodb:us-east-2:123456789012:table/orders',
    );
    expect(bySid.LambdaInvokeFunctions?.Resource).toEqual([
      'arn:aws:lambda:eu-west-1:123456789012:function:debug-*',
      'arn:aws:lambda:us-east-2:123456789012:function:debug-*',
    ]);
  });

  it('clean-up deletions are always conditioned on the chosen resource tags', () => {
    const policy = permissionPolicy(['cleanup'], scoped, ctx);
    for (const s of policy.Statement) {
      expect(s.Resource).not.toContain('*');
      if (s.Sid === 'CleanupSafetySnapshots') {
        // Creating the safety snapshot of a (tag-guarded) volume is the only untagged grant: not destructive.
        expect(s.Action).toEqual(['ec2:CreateSnapshot']);
        continue;
      }
      expect(s.Condition?.StringEquals).toEqual({ 'aws:ResourceTag/env': 'dev' });
    }
  });

  it('a policy holds only the chosen capabilities', () => {
    const actions = allActions(permissionPolicy(['logs-read'], EMPTY_SCOPES, ctx).Statement);
    expect(actions.every((a) => a.startsWith('logs:'))).toBe(true);
  });

  it('the IAM schema refuses wildcard actions, missing Action and unknown keys', () => {
    const base = { Sid: 'X', Effect: 'Allow', Resource: '*' };
    expect(
      iamPolicySchema.safeParse({ Version: '2012-10-17', Statement: [{ ...base, Action: '*' }] }).success,
    ).toBe(false);
    expect(
      iamPolicySchema.safeParse({ Version: '2012-10-17', Statement: [{ ...base, Action: 's3:*' }] }).success,
    ).toBe(false);
    expect(iamPolicySchema.safeParse({ Version: '2012-10-17', Statement: [base] }).success).toBe(false);
    expect(
      iamPolicySchema.safeParse({
        Version: '2012-10-17',
        Statement: [{ ...base, Action: 's3:GetObject', Foo: 1 }],
      }).success,
    ).toBe(false);
    expect(
      iamPolicySchema.safeParse({ Version: '2008-10-17', Statement: [{ ...base, Action: 's3:GetObject' }] })
        .success,
    ).toBe(false);
  });
});

describe('trust policy', () => {
  it('pins the exact principal, requires the external ID on every statement', () => {
    const policy = trustPolicy({ principalArn: PRINCIPAL, externalIds: ['rg-abc'], sourceIdentity: true });
    validateTrustPolicy(policy);
    expect(policy.Statement).toEqual([
      {
        Sid: 'RolegateAssumeWithExternalId',
        Effect: 'Allow',
        Principal: { AWS: PRINCIPAL },
        Action: ['sts:AssumeRole'],
        Condition: { StringEquals: { 'sts:ExternalId': 'rg-abc' } },
      },
      {
        Sid: 'RolegateSessionAttribution',
        Effect: 'Allow',
        Principal: { AWS: PRINCIPAL },
        Action: ['sts:SetSourceIdentity', 'sts:TagSession'],
        Condition: { StringEquals: { 'sts:ExternalId': 'rg-abc' } },
      },
    ]);
    expect(JSON.stringify(policy)).not.toMatch(/:root|"\*"/);
  });

  it('lists both IDs during a rotation and omits SetSourceIdentity when disabled', () => {
    const policy = trustPolicy({
      principalArn: PRINCIPAL,
      externalIds: ['rg-new', 'rg-old'],
      sourceIdentity: false,
    });
    expect(policy.Statement[0]?.Condition).toEqual({
      StringEquals: { 'sts:ExternalId': ['rg-new', 'rg-old'] },
    });
    expect(policy.Statement[1]?.Action).toEqual(['sts:TagSession']);
  });
});

describe('templates', () => {
  const input = {
    connectionId: 'con_0123456789abcdefghjkmnpq',
    name: 'prod',
    principalArn: PRINCIPAL,
    externalIds: ['rg-abcdefghijklmnopqrstuvwxyz234567'],
    roleArn: 'arn:aws:iam::123456789012:role/ops/RolegateAccess',
    accountId: '123456789012',
    capabilities: ['s3-read', 'cleanup'] as Capability[],
    scopes: scoped,
    sourceIdentity: true,
    roleName: 'Rolegate-0123456789ab',
    genericTemplateUrl: 'https://rolegate-templates.s3.amazonaws.com/rolegate-role-0123abcd.json',
    egressIps: [] as string[],
  };

  it('renders CloudFormation, Terraform, CLI and a quick-create link with the parameters', () => {
    const t = renderTemplates(input);
    expect(t.cloudFormation).toContain('AWS::IAM::Role');
    expect(t.cloudFormation).toContain("Path: '/ops/'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} substitution, not a JS template
    expect(t.cloudFormation).toContain('${AWS::AccountId}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} substitution, not a JS template
    expect(t.cloudFormation).toContain('"sts:ExternalId": "${ExternalId}"');
    expect(t.terraform).toContain('resource "aws_iam_role" "rolegate"');
    // The role ARN names the role once it is known.
    expect(t.roleName).toBe('RolegateAccess');
    expect(t.awsCli).toContain("ROLE_NAME='RolegateAccess'");
    expect(t.awsCli).toContain(`aws iam create-role --role-name "$ROLE_NAME" --path '/ops/'`);
    const url = new URL(t.quickCreateUrl!);
    expect(url.host).toBe('console.aws.amazon.com');
    const params = new URLSearchParams(url.hash.split('?')[1]);
    expect(params.get('templateURL')).toBe(input.genericTemplateUrl);
    expect(params.get('param_RoleName')).toBe('RolegateAccess');
    expect(params.get('param_ExternalId')).toBe(input.externalIds[0]);
    expect(params.get('param_RolegatePrincipalArn')).toBe(PRINCIPAL);
    expect(params.get('stackName')).toMatch(/^rolegate-con-/);
    // The embedded documents are valid IAM JSON.
    const tfPolicy = /policy = <<-EOT\n([\s\S]*?)\n {2}EOT/.exec(t.terraform)![1]!;
    validatePermissionPolicy(JSON.parse(tfPolicy));
    validateTrustPolicy(t.trustPolicy);
  });

  it('pins aws:SourceIp beside the external ID in every template when egress IPs are set (issue 20 item 3)', () => {
    const egressIps = ['203.0.113.10', '2001:db8::/56'];
    const plain = renderTemplates(input);
    expect(plain.sourceIpPin).toEqual([]);
    expect(JSON.stringify(plain)).not.toContain('aws:SourceIp');
    const t = renderTemplates({ ...input, egressIps });
    expect(t.sourceIpPin).toEqual(egressIps);
    const pinned = { 'sts:ExternalId': input.externalIds[0], ips: egressIps };
    const expectPinned = (
      doc: { Statement: { Condition?: unknown }[] },
      externalId: unknown,
      where: string,
    ) => {
      validateTrustPolicy(doc);
      expect(doc.Statement.length, where).toBe(2);
      for (const st of doc.Statement)
        expect(st.Condition, where).toEqual({
          StringEquals: { 'sts:ExternalId': externalId },
          IpAddress: { 'aws:SourceIp': pinned.ips },
        });
    };
    // JSON
    expectPinned(t.trustPolicy, pinned['sts:ExternalId'], 'json');
    // Terraform: the heredoc after assume_role_policy
    const tfTrust = /assume_role_policy {3}= <<-EOT\n([\s\S]*?)\n {2}EOT/.exec(t.terraform)![1]!;
    expectPinned(JSON.parse(tfTrust), pinned['sts:ExternalId'], 'terraform');
    // CLI script: the single-quoted TRUST_POLICY
    const cliTrust = /^TRUST_POLICY='(.*)'$/m.exec(t.awsCli)![1]!;
    expectPinned(JSON.parse(cliTrust), pinned['sts:ExternalId'], 'cli');
    // CloudFormation: the !Sub block of AssumeRolePolicyDocument (JSON indented 8 spaces)
    const cfnTrust = /AssumeRolePolicyDocument: !Sub \|\n((?: {8}.*\n)+)/.exec(t.cloudFormation)![1]!;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} substitution, not a JS template
    const cfnDoc = JSON.parse(cfnTrust.replaceAll('${RolegatePrincipalArn}', PRINCIPAL));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} substitution, not a JS template
    expectPinned(cfnDoc, '${ExternalId}', 'cloudformation');
    // Quick-create link: the generic template's SourceIps parameter
    const params = new URLSearchParams(new URL(t.quickCreateUrl!).hash.split('?')[1]);
    expect(params.get('param_SourceIps')).toBe('203.0.113.10,2001:db8::/56');
    expect(
      new URLSearchParams(new URL(plain.quickCreateUrl!).hash.split('?')[1]).get('param_SourceIps'),
    ).toBe('');
  });

  it('offers no quick-create link without a published template, only the upload steps (issue 22 item 4)', () => {
    const t = renderTemplates({ ...input, genericTemplateUrl: null });
    expect(t.quickCreateUrl).toBeNull();
    expect(t.cloudFormationSteps.join(' ')).toContain('Upload a template file');
    expect(t.cloudFormationSteps.join(' ')).toContain('rolegate templates publish');
  });
});

describe('the permission policy covers what Rolegate actually calls', () => {
  it('cost-scan grants every action of every waste detector', async () => {
    const { DETECTORS } = await import('../scans/detectors.ts');
    const granted = new Set(
      permissionPolicy(['cost-scan'], EMPTY_SCOPES, ctx).Statement.flatMap((s) => s.Action ?? []),
    );
    for (const detector of DETECTORS) {
      for (const action of detector.actions) expect(granted, `${detector.type}: ${action}`).toContain(action);
    }
  });
});
