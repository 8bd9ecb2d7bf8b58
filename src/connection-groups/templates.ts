import { type IamPolicy, permissionPolicy, trustPolicy } from '../connections/policy.ts';
import type { Capability, ConnectionScopes } from '../connections/types.ts';

/**
 * Onboarding material of a connection group, rendered in the management (or delegated
 * administrator) account: one service-managed CloudFormation StackSet that creates the member role
 * in every account of the chosen organisational units, and the same as Terraform.
 *
 * Each account's role must demand that account's own external ID (derived by HMAC from the group
 * secret, see external-id.ts), but a StackSet deploys one template everywhere and CloudFormation
 * cannot compute an HMAC. The member template therefore carries a Mappings table
 * `AccountExternalIds: { <account id>: { ExternalId: … } }` rendered from discovery, and the trust
 * policy takes `Fn::FindInMap [AccountExternalIds, !Ref AWS::AccountId, ExternalId]`. An account
 * that joins after the last render has no entry: its stack instance fails to create (no role with a
 * shared or guessable ID, ever), and appears once the next sync has discovered it and the customer
 * updated the StackSet with the re-rendered template. Rejected alternatives (docs/organizations.md):
 * per-account parameter overrides (auto-deployment to a new account would use the defaults), one ID
 * for all accounts (breaks invariant 3), an ID computed from the account ID alone (guessable by
 * anyone who knows the scheme), a Lambda-backed custom resource (code in the customer's account
 * holding the group secret).
 */

/** CloudFormation's limit on an inline TemplateBody (the StackSet's member template). */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

export interface GroupTemplateInput {
  groupId: string;
  name: string;
  principalArn: string;
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  roleName: string;
  capabilities: Capability[];
  scopes: ConnectionScopes;
  /** Every active member's derived external ID, keyed by account ID. */
  externalIds: ReadonlyArray<{ accountId: string; externalId: string }>;
  /** The OUs (or the organisation root) the StackSet deploys to; empty when not known yet. */
  deploymentTargets: string[];
  region: string;
  egressIps: readonly string[];
}

export interface GroupTemplates {
  roleName: string;
  /** The member role's permission policy (`*` for the account: every member has its own). */
  permissionPolicy: IamPolicy;
  /** The member role's trust policy, with `<per-account external ID>` where each account's goes. */
  trustPolicy: IamPolicy;
  /** The member accounts' template (JSON), as the StackSet carries it. */
  memberTemplate: string;
  /** The management-account stack: one AWS::CloudFormation::StackSet (JSON). */
  stackSet: string;
  terraform: string;
  steps: string[];
  accounts: number;
}

export class TemplateTooLargeError extends Error {}

const EXTERNAL_ID_VAR = 'RolegateExternalId';

/** CloudFormation resource names of the member and management templates (referenced by the tests). */
export const MEMBER_ROLE_RESOURCE = 'RolegateRole';
export const STACK_SET_RESOURCE = 'RolegateMemberRoles';
export const GROUP_TAG = 'rolegate:connection-group';

export function stackSetName(groupId: string): string {
  return `rolegate-${groupId.replace(/_/g, '-')}`;
}

export function renderGroupTemplates(input: GroupTemplateInput): GroupTemplates {
  // A CloudFormation ${} substitution variable (Fn::Sub), not a JS template.
  const subVar = `\${${EXTERNAL_ID_VAR}}`;
  const trust = trustPolicy({
    principalArn: input.principalArn,
    externalIds: [subVar],
    sourceIdentity: true,
    sourceIps: input.egressIps,
  });
  const permissions = permissionPolicy(input.capabilities, input.scopes, {
    partition: input.partition,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} substitution, not a JS template
    accountId: '${AWS::AccountId}',
  });
  const mapping: Record<string, { ExternalId: string }> = {};
  for (const { accountId, externalId } of [...input.externalIds].sort((a, b) =>
    a.accountId.localeCompare(b.accountId),
  )) {
    mapping[accountId] = { ExternalId: externalId };
  }
  const member: Record<string, unknown> = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Rolegate member role of connection group ${input.groupId} (least privilege, per-account external ID)`,
    ...(input.externalIds.length > 0 ? { Mappings: { AccountExternalIds: mapping } } : {}),
    Resources: {
      [MEMBER_ROLE_RESOURCE]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: input.roleName,
          Path: '/',
          MaxSessionDuration: 3600,
          Tags: [{ Key: GROUP_TAG, Value: input.groupId }],
          AssumeRolePolicyDocument: {
            'Fn::Sub': [
              JSON.stringify(trust),
              {
                [EXTERNAL_ID_VAR]: {
                  'Fn::FindInMap': ['AccountExternalIds', { Ref: 'AWS::AccountId' }, 'ExternalId'],
                },
              },
            ],
          },
          Policies: [
            { PolicyName: 'RolegatePermissions', PolicyDocument: { 'Fn::Sub': JSON.stringify(permissions) } },
          ],
        },
      },
    },
    Outputs: { RoleArn: { Value: { 'Fn::GetAtt': [MEMBER_ROLE_RESOURCE, 'Arn'] } } },
  };
  const memberTemplate = JSON.stringify(member);
  if (Buffer.byteLength(memberTemplate) > MAX_TEMPLATE_BODY_BYTES) {
    throw new TemplateTooLargeError(
      `The member template for ${input.externalIds.length} accounts exceeds CloudFormation's ${MAX_TEMPLATE_BODY_BYTES}-byte TemplateBody limit; split the group by organisational unit.`,
    );
  }

  const name = stackSetName(input.groupId);
  const targets = input.deploymentTargets;
  const stackSet = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Rolegate connection group ${input.groupId}: the member role in every account of the chosen organisational units`,
    Parameters: {
      OrganizationalUnitIds: {
        Type: 'CommaDelimitedList',
        Description:
          'Organisational units (ou-…) or the organisation root (r-…) to deploy the member role to.',
        ...(targets.length > 0 ? { Default: targets.join(',') } : {}),
      },
      CallAs: {
        Type: 'String',
        Description: 'SELF in the management account, DELEGATED_ADMIN in a delegated administrator account.',
        AllowedValues: ['SELF', 'DELEGATED_ADMIN'],
        Default: 'SELF',
      },
    },
    Resources: {
      [STACK_SET_RESOURCE]: {
        Type: 'AWS::CloudFormation::StackSet',
        Properties: {
          StackSetName: name,
          Description: `Rolegate member roles (${input.name})`,
          PermissionModel: 'SERVICE_MANAGED',
          CallAs: { Ref: 'CallAs' },
          AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          ManagedExecution: { Active: true },
          // An account without a mapping entry (joined after the last render) fails alone; the rest deploy.
          OperationPreferences: {
            FailureTolerancePercentage: 100,
            MaxConcurrentPercentage: 25,
            RegionConcurrencyType: 'PARALLEL',
          },
          StackInstancesGroup: [
            {
              DeploymentTargets: { OrganizationalUnitIds: { Ref: 'OrganizationalUnitIds' } },
              Regions: [input.region],
            },
          ],
          TemplateBody: memberTemplate,
        },
      },
    },
    Outputs: { StackSetId: { Value: { Ref: STACK_SET_RESOURCE } } },
  };

  // Terraform interpolates `${…}` and `%{…}` in heredocs: both are escaped, so CloudFormation gets them verbatim.
  const hclHeredoc = JSON.stringify(member, null, 2)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, '%%{');
  const terraform = [
    `# Rolegate connection group ${input.groupId}: apply in the management (or delegated administrator) account.`,
    'variable "organizational_unit_ids" {',
    '  description = "Organisational units (ou-…) or the organisation root (r-…) to deploy the member role to"',
    '  type        = list(string)',
    ...(targets.length > 0 ? [`  default     = ${JSON.stringify(targets)}`] : []),
    '}',
    '',
    'variable "call_as" {',
    '  description = "SELF in the management account, DELEGATED_ADMIN in a delegated administrator account"',
    '  type        = string',
    '  default     = "SELF"',
    '}',
    '',
    'resource "aws_cloudformation_stack_set" "rolegate" {',
    `  name             = ${JSON.stringify(name)}`,
    '  permission_model = "SERVICE_MANAGED"',
    '  call_as          = var.call_as',
    '  capabilities     = ["CAPABILITY_NAMED_IAM"]',
    '',
    '  auto_deployment {',
    '    enabled                          = true',
    '    retain_stacks_on_account_removal = false',
    '  }',
    '',
    '  managed_execution {',
    '    active = true',
    '  }',
    '',
    '  template_body = <<-EOT',
    hclHeredoc
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n'),
    '  EOT',
    '',
    '  lifecycle {',
    '    ignore_changes = [administration_role_arn]',
    '  }',
    '}',
    '',
    'resource "aws_cloudformation_stack_set_instance" "rolegate" {',
    '  stack_set_name            = aws_cloudformation_stack_set.rolegate.name',
    '  call_as                   = var.call_as',
    `  stack_set_instance_region = ${JSON.stringify(input.region)}`,
    '',
    '  deployment_targets {',
    '    organizational_unit_ids = var.organizational_unit_ids',
    '  }',
    '',
    '  operation_preferences {',
    '    failure_tolerance_percentage = 100',
    '    max_concurrent_percentage    = 25',
    '  }',
    '}',
    '',
  ].join('\n');

  const steps = [
    'Enable trusted access for CloudFormation StackSets in AWS Organizations (once per organisation).',
    `In the management account (or a delegated administrator, CallAs=DELEGATED_ADMIN), create a stack from the StackSet template in ${input.region}; it deploys role ${input.roleName} to every account of the chosen organisational units.`,
    'When the stack instances are complete, choose “Verify all” (or run `rolegate connection-group sync <id>`).',
    'Accounts that join later: sync the group, then update the stack with the re-rendered template (its account table gains the new accounts).',
  ];

  return {
    roleName: input.roleName,
    permissionPolicy: permissions,
    trustPolicy: trustPolicy({
      principalArn: input.principalArn,
      externalIds: ['<per-account external ID>'],
      sourceIdentity: true,
      sourceIps: input.egressIps,
    }),
    memberTemplate,
    stackSet: JSON.stringify(stackSet, null, 2),
    terraform,
    steps,
    accounts: input.externalIds.length,
  };
}
