import { type IamPolicy, permissionPolicy, trustPolicy } from './policy.ts';
import { parseRoleArn } from './schemas.ts';
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
  accountId: string | null;
  capabilities: Capability[];
  scopes: ConnectionScopes;
  sourceIdentity: boolean;
  /** Where Rolegate serves this connection's CloudFormation template (for the quick-create link). */
  templateUrl: string;
}

export interface Templates {
  trustPolicy: IamPolicy;
  permissionPolicy: IamPolicy;
  cloudFormation: string;
  quickCreateUrl: string;
  terraform: string;
  awsCli: string;
}

export const DEFAULT_ROLE_NAME = 'RolegateAccess';

function partitionOf(principalArn: string): 'aws' | 'aws-cn' | 'aws-us-gov' {
  const m = /^arn:(aws|aws-cn|aws-us-gov):/.exec(principalArn);
  return (m?.[1] as 'aws' | 'aws-cn' | 'aws-us-gov' | undefined) ?? 'aws';
}

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

export function renderTemplates(input: TemplateInput): Templates {
  const parsed = input.roleArn === null ? null : parseRoleArn(input.roleArn);
  const partition = parsed?.partition ?? partitionOf(input.principalArn);
  const accountId = parsed?.accountId ?? input.accountId ?? '*';
  const roleName = parsed?.roleName ?? DEFAULT_ROLE_NAME;
  const rolePath = parsed?.path ?? '/';
  const trust = trustPolicy({
    principalArn: input.principalArn,
    externalIds: input.externalIds,
    sourceIdentity: input.sourceIdentity,
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

  const region = input.scopes.regions[0] ?? 'us-east-1';
  const params = new URLSearchParams({
    templateURL: input.templateUrl,
    stackName: `rolegate-${input.connectionId.replace(/_/g, '-')}`,
    param_ExternalId: input.externalIds[0]!,
    param_RolegatePrincipalArn: input.principalArn,
    param_RoleName: roleName,
  });
  const quickCreateUrl = `https://${consoleHost(partition)}/cloudformation/home?region=${region}#/stacks/quickcreate?${params.toString()}`;

  const terraform = [
    `# Rolegate access role for connection ${input.connectionId}`,
    'resource "aws_iam_role" "rolegate" {',
    `  name                 = ${JSON.stringify(roleName)}`,
    `  path                 = ${JSON.stringify(rolePath)}`,
    '  max_session_duration = 3600',
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

  const shellJson = (doc: unknown) => `'${JSON.stringify(doc)}'`;
  const awsCli = [
    `# Rolegate access role for connection ${input.connectionId}`,
    `aws iam create-role --role-name ${roleName} --path ${rolePath} --max-session-duration 3600 \\`,
    `  --assume-role-policy-document ${shellJson(trust)}`,
    `aws iam put-role-policy --role-name ${roleName} --policy-name RolegatePermissions \\`,
    `  --policy-document ${shellJson(permissions)}`,
    `aws iam get-role --role-name ${roleName} --query Role.Arn --output text`,
    '',
  ].join('\n');

  return {
    trustPolicy: trust,
    permissionPolicy: permissions,
    cloudFormation,
    quickCreateUrl,
    terraform,
    awsCli,
  };
}
