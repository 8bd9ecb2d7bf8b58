import { describe, expect, it } from 'vitest';
import { memberExternalId, newGroupSecret } from '../../src/connection-groups/external-id.ts';
import {
  MAX_TEMPLATE_BODY_BYTES,
  MEMBER_ROLE_RESOURCE,
  renderGroupTemplates,
  STACK_SET_RESOURCE,
  TemplateTooLargeError,
} from '../../src/connection-groups/templates.ts';
import { validatePermissionPolicy, validateTrustPolicy } from '../../src/connections/policy.ts';
import { EMPTY_SCOPES } from '../../src/connections/schemas.ts';
import { EXTERNAL_ID_PATTERN, generateExternalId } from '../../src/connections/service.ts';
import { checkTemplate } from '../helpers/cfn-spec-check.ts';

const GROUP = 'cgr_0123456789abcdefghjkmnpq';
const PRINCIPAL = 'arn:aws:iam::111111111111:role/rolegate-service';
const accounts = Array.from({ length: 50 }, (_, i) => String(222200000000 + i));

function render(overrides: Partial<Parameters<typeof renderGroupTemplates>[0]> = {}) {
  const secret = newGroupSecret();
  return {
    secret,
    rendered: renderGroupTemplates({
      groupId: GROUP,
      name: 'Acme',
      principalArn: PRINCIPAL,
      partition: 'aws',
      roleName: 'Rolegate-0123456789ab',
      capabilities: ['cost-scan', 'logs-read'],
      scopes: { ...EMPTY_SCOPES, regions: ['eu-west-1'] },
      externalIds: accounts.map((a) => ({ accountId: a, externalId: memberExternalId(secret, GROUP, a) })),
      deploymentTargets: ['r-ab12'],
      region: 'eu-west-1',
      egressIps: [],
      ...overrides,
    }),
  };
}

/** What CloudFormation's Fn::Sub makes of a string with the given variables. */
function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`unresolved ${name}`);
    return vars[name]!;
  });
}

describe('per-account external IDs', () => {
  it('fifty accounts give fifty distinct IDs, valid for AWS, none equal to a random connection ID', () => {
    const secret = newGroupSecret();
    const ids = accounts.map((a) => memberExternalId(secret, GROUP, a));
    expect(new Set(ids).size).toBe(50);
    for (const id of ids) {
      expect(id).toMatch(EXTERNAL_ID_PATTERN);
      expect(id).toMatch(/^rg-[a-z2-7]{32}$/);
    }
    const others = new Set(Array.from({ length: 1000 }, generateExternalId));
    for (const id of ids) expect(others.has(id)).toBe(false);
    // Deterministic per secret, group and account; another secret or group gives other IDs.
    expect(memberExternalId(secret, GROUP, accounts[0]!)).toBe(ids[0]);
    expect(memberExternalId(newGroupSecret(), GROUP, accounts[0]!)).not.toBe(ids[0]);
    expect(memberExternalId(secret, 'cgr_zzzzzzzzzzzzzzzzzzzzzzzz', accounts[0]!)).not.toBe(ids[0]);
    expect(() => memberExternalId(secret, GROUP, '12345')).toThrow();
  });
});

describe('StackSet and Terraform', () => {
  it('the management stack is a valid service-managed, auto-deploying StackSet (resource specification check)', () => {
    const { rendered } = render();
    const stack = JSON.parse(rendered.stackSet);
    expect(checkTemplate(stack)).toEqual([]);
    const props = stack.Resources[STACK_SET_RESOURCE].Properties;
    expect(stack.Resources[STACK_SET_RESOURCE].Type).toBe('AWS::CloudFormation::StackSet');
    expect(props.PermissionModel).toBe('SERVICE_MANAGED');
    expect(props.AutoDeployment).toEqual({ Enabled: true, RetainStacksOnAccountRemoval: false });
    expect(props.Capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
    expect(stack.Parameters.OrganizationalUnitIds.Default).toBe('r-ab12');
    expect(props.StackInstancesGroup[0].Regions).toEqual(['eu-west-1']);
    expect(props.TemplateBody).toBe(rendered.memberTemplate);
  });

  it('the member template is valid, and each account’s trust policy demands exactly its own external ID', () => {
    const { rendered, secret } = render();
    const member = JSON.parse(rendered.memberTemplate);
    expect(checkTemplate(member)).toEqual([]);
    expect(Buffer.byteLength(rendered.memberTemplate)).toBeLessThan(MAX_TEMPLATE_BODY_BYTES);
    const role = member.Resources[MEMBER_ROLE_RESOURCE];
    expect(role.Type).toBe('AWS::IAM::Role');
    const [trustText, vars] = role.Properties.AssumeRolePolicyDocument['Fn::Sub'];
    expect(vars.RolegateExternalId).toEqual({
      'Fn::FindInMap': ['AccountExternalIds', { Ref: 'AWS::AccountId' }, 'ExternalId'],
    });
    for (const account of accounts) {
      // What CloudFormation evaluates in that account.
      const externalId = member.Mappings.AccountExternalIds[account].ExternalId;
      expect(externalId).toBe(memberExternalId(secret, 'cgr_0123456789abcdefghjkmnpq', account));
      const trust = validateTrustPolicy(
        JSON.parse(substitute(trustText, { RolegateExternalId: externalId })),
      );
      for (const s of trust.Statement) {
        expect(s.Principal).toEqual({ AWS: PRINCIPAL });
        expect(s.Condition?.StringEquals?.['sts:ExternalId']).toBe(externalId);
      }
      const permissions = validatePermissionPolicy(
        JSON.parse(
          substitute(role.Properties.Policies[0].PolicyDocument['Fn::Sub'], { 'AWS::AccountId': account }),
        ),
      );
      expect(JSON.stringify(permissions)).toContain(`:${account}:log-group:`);
      expect(JSON.stringify(permissions)).not.toContain('organizations:');
    }
    // An account not in the table has no entry: FindInMap fails and no role is created for it.
    expect(member.Mappings.AccountExternalIds['999999999999']).toBeUndefined();
  });

  it('an unknown deployment target leaves the OU parameter to the customer (no default)', () => {
    const { rendered } = render({ deploymentTargets: [] });
    const stack = JSON.parse(rendered.stackSet);
    expect(stack.Parameters.OrganizationalUnitIds.Default).toBeUndefined();
    expect(checkTemplate(stack)).toEqual([]);
  });

  it('the checker catches what CloudFormation would refuse', () => {
    const { rendered } = render();
    const stack = JSON.parse(rendered.stackSet);
    delete stack.Resources[STACK_SET_RESOURCE].Properties.PermissionModel;
    stack.Resources[STACK_SET_RESOURCE].Properties.AutoDeployment.Enable = true;
    stack.Resources[STACK_SET_RESOURCE].Properties.StackInstancesGroup[0].Regions = 'eu-west-1';
    const member = JSON.parse(rendered.memberTemplate);
    member.Resources[MEMBER_ROLE_RESOURCE].Properties.AssumeRolePolicyDocument['Fn::Sub'][1] = {};
    delete member.Mappings;
    const errors = [...checkTemplate(stack), ...checkTemplate(member)];
    expect(errors.join('\n')).toMatch(/PermissionModel: required/);
    expect(errors.join('\n')).toMatch(/Enable: unknown property/);
    expect(errors.join('\n')).toMatch(/Regions: expected a list/);
    expect(errors.join('\n')).toMatch(/RolegateExternalId\} unresolvable/);
  });

  it('Terraform carries the same member template, with CloudFormation substitutions escaped from Terraform interpolation', () => {
    const { rendered } = render();
    expect(rendered.terraform).toContain('permission_model = "SERVICE_MANAGED"');
    expect(rendered.terraform).toMatch(/auto_deployment \{\s+enabled\s+= true/);
    const body = /template_body = <<-EOT\n([\s\S]*?)\n {2}EOT/.exec(rendered.terraform)?.[1];
    expect(body).toBeDefined();
    // No bare `${` (Terraform would interpolate it): every one is `$${`.
    expect(body!.replace(/\$\$\{/g, '')).not.toContain('${');
    const unescaped = body!.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
    expect(JSON.parse(unescaped)).toEqual(JSON.parse(rendered.memberTemplate));
    expect(rendered.terraform).toContain('organizational_unit_ids = var.organizational_unit_ids');
  });

  it('refuses a member template over CloudFormation’s TemplateBody limit instead of rendering one AWS rejects', () => {
    const secret = newGroupSecret();
    const many = Array.from({ length: 1000 }, (_, i) => String(333300000000 + i));
    expect(() =>
      render({
        externalIds: many.map((a) => ({ accountId: a, externalId: memberExternalId(secret, GROUP, a) })),
      }),
    ).toThrow(TemplateTooLargeError);
  });
});
