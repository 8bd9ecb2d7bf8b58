import { parseRoleArn, partitionOf } from '../aws/arn.ts';
import { genericTemplateParameters } from './generic-template.ts';
import { type IamPolicy, permissionPolicy, trustPolicy } from './policy.ts';
import type { Capability, ConnectionScopes } from './types.ts';

/**
 * Onboarding material for one connection: the trust and permission policies, and the same role
 * as CloudFormation, Terraform and AWS CLI commands. Every value that reaches a template is
 * validated first (ARN, IDs, scopes); JSON documents are embedded with JSON.stringify, never by
 * string concatenation.
 */
export interface TemplateInput {
  connectionId: string;
  name: string;
  principalArn: string;
  /** The current external ID first; during a rotation also the previous one. */
  externalIds: string[];
  roleArn: string | null;
  /** The role the templates create (unique per connection by default); the ARN's name wins once set. */
  roleName: string;
  accountId: string | null;
  capabilities: Capability[];
  scopes: ConnectionScopes;
  sourceIdentity: boolean;
  /**
   * Where the operator published the generic template (ROLEGATE_TEMPLATE_URL, an S3 URL), or null:
   * then no quick-create link is offered, only the per-connection YAML to upload.
   */
  genericTemplateUrl: string | null;
  /** Rolegate's egress addresses (ROLEGATE_EGRESS_IPS): the trust policy's `aws:SourceIp` pin; empty = none. */
  egressIps: readonly string[];
}

export interface Templates {
  roleName: string;
  /**
   * The `aws:SourceIp` addresses every rendered trust policy (JSON, CloudFormation, Terraform, CLI,
   * quick-create parameters) requires; empty when ROLEGATE_EGRESS_IPS is unset.
   */
  sourceIpPin: string[];
  trustPolicy: IamPolicy;
  permissionPolicy: IamPolicy;
  cloudFormation: string;
  /** A console link that can work (generic template on S3 + this connection's `param_…`), or null. */
  quickCreateUrl: string | null;
  /** What to do in the CloudFormation console, with or without the link. */
  cloudFormationSteps: string[];
  terraform: string;
  awsCli: string;
}

/** The tag that marks a role as this connection's: the CLI script refuses to change a role without it. */
export const CONNECTION_TAG = 'rolegate:connection';

function consoleHost(partition: string): string {
  if (partition === 'aws-cn') return 'console.amazonaws.cn';
  if (partition === 'aws-us-gov') return 'console.amazonaws-us-gov.com';
  return 'console.aws.amazon.com';
}

/** Indents a JSON document for embedding in YAML (JSON is valid YAML flow syntax). */
function yamlJson(value: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  return JSON.stringify(value, null, 2)
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

/** A shell word in single quotes (every value is validated first; this is defence in depth). */
function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function renderTemplates(input: TemplateInput): Templates {
  const parsed = input.roleArn === null ? null : parseRoleArn(input.roleArn);
  const partition = parsed?.partition ?? partitionOf(input.principalArn);
  const accountId = parsed?.accountId ?? input.accountId ?? '*';
  const roleName = parsed?.roleName ?? input.roleName;
  const rolePath = parsed?.path ?? '/';
  const trust = trustPolicy({
    principalArn: input.principalArn,
    externalIds: input.externalIds,
    sourceIdentity: input.sourceIdentity,
    sourceIps: input.egressIps,
  });
  const permissions = permissionPolicy(input.capabilities, input.scopes, { partition, accountId });
  // In CloudFormation the account is known at deploy time.
  const cfnPermissions = permissionPolicy(input.capabilities, input.scopes, {
    partition,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} substitution, not a JS template
    accountId: '${AWS::AccountId}',
  });
  const cfnTrust = trustPolicy({
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} substitution, not a JS template
    principalArn: '${RolegatePrincipalArn}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} substitution, not a JS template
    externalIds: input.externalIds.length === 1 ? ['${ExternalId}'] : input.externalIds,
    sourceIdentity: input.sourceIdentity,
    sourceIps: input.egressIps,
  });

  const cloudFormation = [
    "AWSTemplateFormatVersion: '2010-09-09'",
    `Description: Rolegate access role for connection ${input.connectionId} (least privilege, external ID enforced)`,
    'Parameters:',
    '  ExternalId:',
    '    Type: String',
    '    NoEcho: true',
    '    MinLength: 2',
    '    MaxLength: 1224',
    "    AllowedPattern: '[\\w+=,.@:\\/-]*'",
    `    Default: '${input.externalIds[0]}'`,
    '  RolegatePrincipalArn:',
    '    Type: String',
    `    Default: '${input.principalArn}'`,
    '  RoleName:',
    '    Type: String',
    `    Default: '${roleName}'`,
    'Resources:',
    '  RolegateRole:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      RoleName: !Ref RoleName',
    `      Path: '${rolePath}'`,
    '      MaxSessionDuration: 3600',
    '      Tags:',
    `        - Key: '${CONNECTION_TAG}'`,
    `          Value: '${input.connectionId}'`,
    '      AssumeRolePolicyDocument: !Sub |',
    yamlJson(cfnTrust, 8),
    '      Policies:',
    '        - PolicyName: RolegatePermissions',
    '          PolicyDocument: !Sub |',
    yamlJson(cfnPermissions, 12),
    'Outputs:',
    '  RoleArn:',
    '    Description: Paste this ARN into Rolegate, then press Verify.',
    '    Value: !GetAtt RolegateRole.Arn',
    '',
  ].join('\n');

  // The quick-create link needs the generic template on S3 and literal ARNs (no ${AWS::AccountId}
  // inside a parameter), so it is offered only when both are known.
  const region = input.scopes.regions[0] ?? 'us-east-1';
  let quickCreateUrl: string | null = null;
  if (input.genericTemplateUrl !== null && accountId !== '*') {
    const params = new URLSearchParams({
      templateURL: input.genericTemplateUrl,
      stackName: `rolegate-${input.connectionId.replace(/_/g, '-')}`,
    });
    const values = genericTemplateParameters({
      connectionId: input.connectionId,
      roleName,
      principalArn: input.principalArn,
      externalIds: input.externalIds,
      capabilities: input.capabilities,
      scopes: input.scopes,
      sourceIdentity: input.sourceIdentity,
      sourceIps: input.egressIps,
      ctx: { partition, accountId },
    });
    for (const [k, v] of Object.entries(values)) params.set(`param_${k}`, v);
    quickCreateUrl = `https://${consoleHost(partition)}/cloudformation/home?region=${region}#/stacks/quickcreate?${params.toString()}`;
  }
  const cloudFormationSteps =
    quickCreateUrl !== null
      ? [
          'Sign in to the AWS account the role belongs in, then open the quick-create link.',
          'Check the parameters (they are this connection’s), tick “I acknowledge that AWS CloudFormation might create IAM resources with custom names”, and choose Create stack.',
          'When the stack is complete, copy the RoleArn output into Rolegate and verify.',
        ]
      : [
          `Download the template (cloudFormation, or GET …/templates/cloudformation.yaml) as rolegate-${input.connectionId}.yaml.`,
          `In the CloudFormation console (region ${region}) choose Create stack → With new resources → Upload a template file, and upload it.`,
          'Keep the parameter defaults (they are this connection’s), tick the IAM acknowledgement, and choose Create stack.',
          'When the stack is complete, copy the RoleArn output into Rolegate and verify.',
          ...(input.genericTemplateUrl === null
            ? [
                'Operators: publish the generic template once (rolegate templates publish --bucket …) and set ROLEGATE_TEMPLATE_URL to get a one-click quick-create link here.',
              ]
            : ['Set the connection’s account ID (or role ARN) to get a quick-create link.']),
        ];

  const terraform = [
    `# Rolegate access role for connection ${input.connectionId}`,
    'resource "aws_iam_role" "rolegate" {',
    `  name                 = ${JSON.stringify(roleName)}`,
    `  path                 = ${JSON.stringify(rolePath)}`,
    '  max_session_duration = 3600',
    `  tags                 = { ${JSON.stringify(CONNECTION_TAG)} = ${JSON.stringify(input.connectionId)} }`,
    '  assume_role_policy   = <<-EOT',
    yamlJson(trust, 4),
    '  EOT',
    '}',
    '',
    'resource "aws_iam_role_policy" "rolegate" {',
    '  name   = "RolegatePermissions"',
    '  role   = aws_iam_role.rolegate.id',
    '  policy = <<-EOT',
    yamlJson(permissions, 4),
    '  EOT',
    '}',
    '',
    'output "rolegate_role_arn" {',
    '  value = aws_iam_role.rolegate.arn',
    '}',
    '',
  ].join('\n');

  // Stops at the first failed command, and never changes a role this connection did not create:
  // IAM role names are unique per account, so an existing role of that name may be another
  // connection's (or anybody's) and put-role-policy would replace its permissions.
  const awsCli = [
    '#!/usr/bin/env bash',
    `# Rolegate access role for connection ${input.connectionId}: creates the role, or updates it if this connection created it.`,
    'set -euo pipefail',
    `ROLE_NAME=${shq(roleName)}`,
    `CONNECTION_ID=${shq(input.connectionId)}`,
    `TRUST_POLICY=${shq(JSON.stringify(trust))}`,
    `PERMISSION_POLICY=${shq(JSON.stringify(permissions))}`,
    'if err=$(aws iam get-role --role-name "$ROLE_NAME" 2>&1 >/dev/null); then',
    `  owner=$(aws iam list-role-tags --role-name "$ROLE_NAME" --query "Tags[?Key=='${CONNECTION_TAG}'].Value | [0]" --output text)`,
    '  if [ "$owner" != "$CONNECTION_ID" ]; then',
    `    echo "Role $ROLE_NAME already exists and is not this connection's (tag ${CONNECTION_TAG}=$owner, expected $CONNECTION_ID): nothing changed. Give the connection another role name, or remove that role." >&2`,
    '    exit 1',
    '  fi',
    '  aws iam update-assume-role-policy --role-name "$ROLE_NAME" --policy-document "$TRUST_POLICY"',
    'elif [[ "$err" == *NoSuchEntity* ]]; then',
    `  aws iam create-role --role-name "$ROLE_NAME" --path ${shq(rolePath)} --max-session-duration 3600 \\`,
    `    --assume-role-policy-document "$TRUST_POLICY" --tags "Key=${CONNECTION_TAG},Value=$CONNECTION_ID"`,
    'else',
    '  echo "$err" >&2',
    '  exit 1',
    'fi',
    'aws iam put-role-policy --role-name "$ROLE_NAME" --policy-name RolegatePermissions \\',
    '  --policy-document "$PERMISSION_POLICY"',
    'aws iam get-role --role-name "$ROLE_NAME" --query Role.Arn --output text',
    '',
  ].join('\n');

  return {
    roleName,
    sourceIpPin: [...input.egressIps],
    trustPolicy: trust,
    permissionPolicy: permissions,
    cloudFormation,
    quickCreateUrl,
    cloudFormationSteps,
    terraform,
    awsCli,
  };
}
