import { describe, expect, it } from 'vitest';
import { genericTemplate, genericTemplateKey, genericTemplateParameters } from './generic-template.ts';
import { type IamStatement, permissionPolicy, trustPolicy, validatePermissionPolicy } from './policy.ts';
import { EMPTY_SCOPES } from './schemas.ts';
import { CAPABILITIES, type Capability, type ConnectionScopes } from './types.ts';

/**
 * Evaluates the generic template the way CloudFormation would for the intrinsic functions it uses
 * (Ref, Fn::If, Fn::Equals, Fn::Not, Fn::Sub with parameters and pseudo parameters, AWS::NoValue),
 * so the policies it creates can be compared with the per-connection ones.
 */
const NO_VALUE = Symbol('AWS::NoValue');
function evaluate(template: Record<string, unknown>, params: Record<string, string>, accountId: string) {
  const pseudo: Record<string, string> = { 'AWS::AccountId': accountId, 'AWS::Partition': 'aws' };
  const declared = template.Parameters as Record<string, { Default?: string }>;
  const paramValue = (name: string): string => {
    if (name in pseudo) return pseudo[name]!;
    if (!(name in declared)) throw new Error(`undeclared ${name}`);
    const v = params[name] ?? declared[name]!.Default;
    if (v === undefined) throw new Error(`no value for ${name}`);
    return v;
  };
  const conditions = template.Conditions as Record<string, unknown>;
  const cond = (name: string): boolean => {
    const c = ev(conditions[name]);
    if (typeof c !== 'boolean') throw new Error(`condition ${name}`);
    return c;
  };
  function ev(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(ev).filter((x) => x !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const o = node as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = o[k];
      if (k === 'Ref') return arg === 'AWS::NoValue' ? NO_VALUE : paramValue(arg as string);
      if (k === 'Fn::If') {
        const [c, a, b] = arg as [string, unknown, unknown];
        return cond(c) ? ev(a) : ev(b);
      }
      if (k === 'Fn::Equals') {
        const [a, b] = (arg as unknown[]).map(ev);
        return a === b;
      }
      if (k === 'Fn::Not') return !(ev((arg as unknown[])[0]) as boolean);
      if (k === 'Fn::Split') {
        const [sep, value] = arg as [string, unknown];
        return (ev(value) as string).split(sep);
      }
      if (k === 'Fn::Sub') return (arg as string).replace(/\$\{([\w:]+)\}/g, (_, n: string) => paramValue(n));
      if (k.startsWith('Fn::')) throw new Error(`unexpected ${k}`);
    }
    return Object.fromEntries(keys.map((k) => [k, ev(o[k])]));
  }
  const props = ev((template.Resources as { RolegateRole: { Properties: unknown } }).RolegateRole.Properties);
  return props as {
    RoleName: string;
    Tags: { Key: string; Value: string }[];
    AssumeRolePolicyDocument: unknown;
    Policies: { PolicyName: string; PolicyDocument: string }[];
  };
}

const bySid = (a: IamStatement, b: IamStatement) => (a.Sid < b.Sid ? -1 : 1);
const ctx = { partition: 'aws' as const, accountId: '123456789012' };
const SCOPES: ConnectionScopes[] = [
  EMPTY_SCOPES,
  {
    regions: ['eu-west-1', 'us-east-1'],
    s3Buckets: ['acme-data', 'acme-logs'],
    s3Prefixes: ['reports/', 'exports/2026/'],
    logGroupPrefixes: ['/aws/lambda/acme-'],
    dynamodbTables: ['orders'],
    lambdaFunctionPatterns: ['debug-*'],
    cleanupTagConditions: { env: 'dev', team: 'data' },
  },
];

describe('generic CloudFormation template (issue 22 item 4)', () => {
  it('creates the same role as the per-connection policies for every capability combination', () => {
    const template = genericTemplate();
    // A JSON document CloudFormation can parse, with no Rolegate- or connection-specific value.
    expect(JSON.parse(JSON.stringify(template))).toEqual(template);
    expect(JSON.stringify(template)).not.toMatch(/con_[0-9a-z]{24}|rg-[a-z2-7]{32}|\d{12}/);
    let combinations = 0;
    for (let mask = 1; mask < 1 << CAPABILITIES.length; mask++) {
      const caps = CAPABILITIES.filter((_, i) => mask & (1 << i)) as Capability[];
      for (const scopes of SCOPES) {
        for (const [externalIds, sourceIps] of [
          [['rg-new'], []],
          [['rg-new', 'rg-old'], []],
          [['rg-new'], ['203.0.113.10']],
          [
            ['rg-new', 'rg-old'],
            ['198.51.100.0/28', '2001:db8::/56'],
          ],
        ] as const) {
          const sourceIdentity = mask % 2 === 0;
          const params = genericTemplateParameters({
            connectionId: 'con_0123456789abcdefghjkmnpq',
            roleName: 'Rolegate-0123456789ab',
            principalArn: 'arn:aws:iam::111111111111:role/rolegate-service',
            externalIds: [...externalIds],
            capabilities: caps,
            scopes,
            sourceIdentity,
            sourceIps,
            ctx,
          });
          const role = evaluate(template, params, ctx.accountId);
          const statements = role.Policies.flatMap(
            (p) => validatePermissionPolicy(JSON.parse(p.PolicyDocument)).Statement,
          );
          expect(statements.sort(bySid)).toEqual(
            [...permissionPolicy(caps, scopes, ctx).Statement].sort(bySid),
          );
          expect(role.AssumeRolePolicyDocument).toEqual(
            trustPolicy({
              principalArn: 'arn:aws:iam::111111111111:role/rolegate-service',
              externalIds,
              sourceIdentity,
              sourceIps,
            }),
          );
          expect(role.RoleName).toBe('Rolegate-0123456789ab');
          expect(role.Tags).toEqual([{ Key: 'rolegate:connection', Value: 'con_0123456789abcdefghjkmnpq' }]);
          combinations++;
        }
      }
    }
    expect(combinations).toBe(((1 << CAPABILITIES.length) - 1) * SCOPES.length * 4);
  });

  it('is published under a content-addressed key', () => {
    expect(genericTemplateKey('cfn/')).toMatch(/^cfn\/rolegate-role-[0-9a-f]{12}\.json$/);
    expect(genericTemplateKey('')).toBe(genericTemplateKey('cfn/').slice(4));
  });
});
