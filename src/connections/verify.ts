import type { AuditedCallEvent } from '../audit/brokered.ts';
import { parseArn } from '../aws/arn.ts';
import { mapAwsError } from '../aws/errors.ts';
import type { Broker } from '../broker/broker.ts';
import { sessionPolicy } from '../broker/session.ts';
import type { BrokerConnection, TrustProbeKind, TrustProbeVerdict } from '../broker/types.ts';
import type { Actor } from '../core/actor.ts';
import { AppError } from '../core/errors.ts';
import { type Probe, type ProbeRunner, probePolicy, probeResource } from './probes.ts';
import type { VerificationCheck } from './tables.ts';
import type { Capability, ConnectionScopes } from './types.ts';

/**
 * Verification proves three things about a customer's role, in this order:
 * 1. the trust policy enforces the external ID: AssumeRole without one, and with a wrong one, is
 *    refused. Otherwise anyone who can make Rolegate assume an ARN could reach this role (the
 *    confused-deputy problem): the connection is `unsafe` and verification stops there, with no
 *    further call on that role (invariant 13), so Rolegate never tells a tenant what another
 *    account holds;
 * 2. Rolegate can assume it with the connection's external ID;
 * 3. each chosen capability works (a harmless read per capability), and no unrequested access is
 *    visible (over-privilege warnings).
 * Every AWS call goes through the broker's audited path (invariant 12): trust probes answer
 * accepted/denied only, and each capability probe is its own brokered call with a session policy
 * for exactly that probe. The caller stores the outcome, outside of any AWS call.
 */

export interface VerificationInput {
  orgId: string;
  connectionId: string;
  roleArn: string;
  externalId: string;
  /** Set while an external-ID rotation awaits re-verification. */
  previousExternalId: string | null;
  capabilities: readonly Capability[];
  scopes: ConnectionScopes;
  region: string;
  principalArn: string;
  /** The connection sends SourceIdentity: the trust policy must allow sts:SetSourceIdentity. */
  sourceIdentity: boolean;
  /** Rolegate's egress addresses (ROLEGATE_EGRESS_IPS) that the rendered trust policy pins; empty = none. */
  egressIps?: readonly string[];
  actor: Actor;
  /** Who the audit records of verification's AWS calls name (a user, an API key or the system). */
  audit: Pick<AuditedCallEvent, 'actorType' | 'actorId' | 'requestId' | 'ip' | 'userAgent'>;
}

export interface VerificationOutcome {
  status: 'verified' | 'unsafe' | 'failed';
  checks: VerificationCheck[];
  /** Which external ID the role accepted (null: neither). */
  acceptedExternalId: 'current' | 'previous' | null;
}

export interface VerifierDeps {
  broker: Pick<Broker, 'probeTrust' | 'call'>;
  probes: ProbeRunner;
  /** A fresh external ID that no connection uses, for the wrong-ID probe. */
  randomExternalId: () => string;
}

export interface AwsErrorClass {
  code: 'aws_access_denied' | 'aws_throttled' | 'aws_not_found' | 'aws_unavailable' | 'aws_request_failed';
  denied: boolean;
}

/** Classifies an SDK error through the shared AWS error map; AWS's message (with ARNs) is never kept. */
export function classifyProbeError(err: unknown): AwsErrorClass {
  const code = mapAwsError(err).code;
  switch (code) {
    case 'aws_access_denied':
    case 'aws_throttled':
    case 'aws_not_found':
    case 'aws_unavailable':
      return { code, denied: code === 'aws_access_denied' };
    default:
      return { code: 'aws_request_failed', denied: false };
  }
}

const RETRY_ADVICE = 'AWS throttled or did not answer the verification call; wait a minute and verify again.';

function probeFailure(
  name: string,
  result: Exclude<TrustProbeVerdict, { outcome: 'accepted' }>,
): VerificationCheck {
  if (result.outcome === 'error') {
    const code =
      result.code === 'aws_throttled' ? 'aws_throttled' : classifyProbeError({ name: result.code }).code;
    const transient = result.retryable || code === 'aws_throttled' || code === 'aws_unavailable';
    return {
      name,
      status: 'failed',
      code: code === 'aws_request_failed' ? result.code : code,
      advice: transient ? RETRY_ADVICE : 'The AssumeRole call failed; check the role ARN and verify again.',
    };
  }
  return { name, status: 'failed', code: 'aws_access_denied' };
}

export function unsafeAdvice(principalArn: string, withoutId: boolean): string {
  const what = withoutId ? 'without any external ID' : 'with a wrong external ID';
  return (
    `The role could be assumed ${what}, so its trust policy does not enforce the external ID. ` +
    'Anyone able to make a service assume this role ARN could reach your account through it (confused-deputy risk). ' +
    `Fix: in the role's trust policy, the statement that allows sts:AssumeRole for ${principalArn} must carry ` +
    '"Condition": {"StringEquals": {"sts:ExternalId": "<the external ID from the templates>"}}, ' +
    'and no other statement may allow sts:AssumeRole for that principal, its account root or "*" without that condition. ' +
    'Copy the trust policy from the templates, then verify again.'
  );
}

function capabilityProbes(capability: Capability, scopes: ConnectionScopes): Probe[] | { skipped: string } {
  switch (capability) {
    case 's3-read': {
      const probes: Probe[] = [{ kind: 's3.list_buckets' }];
      const bucket = scopes.s3Buckets[0];
      if (bucket !== undefined)
        probes.push({ kind: 's3.list_objects', bucket, prefix: scopes.s3Prefixes[0] });
      return probes;
    }
    case 's3-write':
      return { skipped: 'Rolegate never writes data to verify; the first upload proves this capability.' };
    case 'logs-read':
      return [{ kind: 'logs.describe_log_groups', prefix: scopes.logGroupPrefixes[0] }];
    case 'dynamodb-read':
      return [{ kind: 'dynamodb.list_tables' }];
    case 'lambda-read':
      return [{ kind: 'lambda.list_functions' }];
    case 'lambda-invoke': {
      const exact = scopes.lambdaFunctionPatterns.find((p) => !p.includes('*'));
      return exact === undefined
        ? {
            skipped:
              'No exact function name is scoped, so no DryRun invocation is possible; functions are never run to verify.',
          }
        : [{ kind: 'lambda.invoke_dry_run', functionName: exact }];
    }
    case 'cost-scan':
      return [{ kind: 'ec2.describe_volumes' }];
    case 'cloudtrail-read':
      return [{ kind: 'cloudtrail.lookup_events' }];
    case 'organizations-read':
      return [{ kind: 'organizations.list_accounts' }];
    case 'audit-export': {
      // The capability is write-only: the one proof is a write, of a small marker object under the
      // export prefix (where the checkpoints will go anyway), never anywhere else.
      const bucket = scopes.s3Buckets[0];
      if (bucket === undefined) return { skipped: 'No bucket is scoped for the audit export.' };
      return [
        {
          kind: 's3.put_probe_object',
          bucket,
          key: `${scopes.s3Prefixes[0] ?? ''}${AUDIT_EXPORT_PROBE_KEY}`,
        },
      ];
    }
    case 'cleanup':
      return {
        skipped:
          'Deletions are only allowed on tagged resources and every clean-up runs as a DryRun first; nothing is deleted to verify.',
      };
  }
}

const CAPABILITY_ADVICE: Record<Capability, string> = {
  's3-read':
    'Attach the permission policy from the templates (statements S3ListAllBuckets, S3ListBuckets, S3ReadObjects).',
  's3-write': 'Attach the permission policy from the templates (statement S3WriteObjects).',
  'logs-read': 'Attach the permission policy from the templates (statements Logs*).',
  'dynamodb-read': 'Attach the permission policy from the templates (statements DynamoDb*).',
  'lambda-read':
    'Attach the permission policy from the templates (statements LambdaListFunctions, LambdaReadFunctions).',
  'lambda-invoke': 'Attach the permission policy from the templates (statement LambdaInvokeFunctions).',
  'cost-scan': 'Attach the permission policy from the templates (statement CostScanDescribe).',
  cleanup: 'Attach the permission policy from the templates (statements Cleanup*).',
  'cloudtrail-read': 'Attach the permission policy from the templates (statement CloudTrailLookupEvents).',
  'organizations-read':
    'Use the management account or a delegated administrator of AWS Organizations, and attach the permission policy from the templates (statement OrganizationsListAccounts).',
  'audit-export':
    'Attach the permission policy from the templates (statement AuditExportPutObjects), and check that the bucket policy and its KMS key (if any) let the role write.',
};

/** The marker object the audit-export probe writes under the scoped prefix. */
export const AUDIT_EXPORT_PROBE_KEY = 'rolegate-verification.txt';

/** Read calls that should be refused when the matching capability was not chosen. */
const OVER_PRIVILEGE: Array<{ name: string; unless: Capability[]; probe: Probe; what: string }> = [
  {
    name: 'over_privilege:s3',
    unless: ['s3-read', 's3-write'],
    probe: { kind: 's3.list_buckets' },
    what: 's3:ListAllMyBuckets',
  },
  {
    name: 'over_privilege:logs',
    unless: ['logs-read'],
    probe: { kind: 'logs.describe_log_groups' },
    what: 'logs:DescribeLogGroups',
  },
  {
    name: 'over_privilege:dynamodb',
    unless: ['dynamodb-read'],
    probe: { kind: 'dynamodb.list_tables' },
    what: 'dynamodb:ListTables',
  },
  {
    name: 'over_privilege:lambda',
    unless: ['lambda-read'],
    probe: { kind: 'lambda.list_functions' },
    what: 'lambda:ListFunctions',
  },
  {
    name: 'over_privilege:ec2',
    unless: ['cost-scan', 'cleanup'],
    probe: { kind: 'ec2.describe_volumes' },
    what: 'ec2:DescribeVolumes',
  },
];

const SKIPPED_UNSAFE =
  'Skipped: the role does not enforce the external ID, so Rolegate makes no further call with it.';
const SKIPPED_UNPROVEN = 'Skipped because the external ID enforcement could not be checked; verify again.';

/** Error codes of a brokered call that are verification's result, not a reason to abort it. */
const PROBE_RESULT_CODES: ReadonlySet<string> = new Set([
  'aws_access_denied',
  'aws_throttled',
  'aws_not_found',
  'aws_unavailable',
  'aws_request_failed',
]);

/**
 * The source-IP pin is reported as what it is: a property of the trust policy Rolegate renders for
 * this connection. Every call Rolegate makes comes from inside the list, so no probe can show
 * whether the customer's role actually applies the condition (that would take a call from outside
 * it, or iam:GetRole, which the role does not grant). The status is `skipped` (not probed), never
 * `passed`.
 */
export function sourceIpPinCheck(egressIps: readonly string[]): VerificationCheck {
  return {
    name: 'source_ip_pinned',
    status: 'skipped',
    code: 'template_property',
    advice:
      `The trust policy in this connection's templates allows sts:AssumeRole only from Rolegate's egress addresses (aws:SourceIp ${egressIps.join(', ')}). ` +
      'Rolegate cannot test from outside those addresses, so this reports the template, not the role: ' +
      "make sure the role's trust policy is the one from the templates, including its IpAddress condition.",
  };
}

export function createVerifier(deps: VerifierDeps) {
  function trustProbe(
    input: VerificationInput,
    probe: TrustProbeKind,
    check: string,
    externalId: string | null,
    sourceIdentity = false,
  ): Promise<TrustProbeVerdict> {
    return deps.broker.probeTrust({
      connection: { id: input.connectionId, orgId: input.orgId, roleArn: input.roleArn },
      externalId,
      probe,
      actor: input.actor,
      ...(sourceIdentity ? { sourceIdentity: true } : {}),
      audit: {
        ...input.audit,
        action: `aws.verify.trust.${probe}`,
        targetType: 'connection',
        targetId: input.connectionId,
        resource: input.roleArn,
        details: { check },
      },
    });
  }

  async function enforcementCheck(
    input: VerificationInput,
    name: string,
    probe: TrustProbeKind,
    externalId: string | null,
  ): Promise<{ check: VerificationCheck; unsafe: boolean }> {
    const result = await trustProbe(input, probe, name, externalId);
    if (result.outcome === 'denied') return { check: { name, status: 'passed' }, unsafe: false };
    if (result.outcome === 'accepted') {
      return {
        check: {
          name,
          status: 'failed',
          code: 'external_id_not_enforced',
          advice: unsafeAdvice(input.principalArn, externalId === null),
        },
        unsafe: true,
      };
    }
    return { check: probeFailure(name, result), unsafe: false };
  }

  /** One capability probe: its own audited brokered call, credentials narrowed to that probe. */
  async function runProbe(
    input: VerificationInput,
    connection: BrokerConnection,
    probe: Probe,
    check: string,
  ): Promise<{ ok: true } | { ok: false; error: AwsErrorClass }> {
    const arn = parseArn(input.roleArn);
    const partition = arn?.partition ?? 'aws';
    const accountId = arn?.accountId ?? '';
    try {
      await deps.broker.call(
        {
          connection,
          actor: input.actor,
          policy: sessionPolicy(probePolicy(probe, { partition, accountId, region: input.region })),
          operation: `verify.${probe.kind}`,
          region: input.region,
          audit: {
            ...input.audit,
            action: `aws.verify.${probe.kind}`,
            targetType: 'connection',
            targetId: input.connectionId,
            resource: probeResource(probe),
            details: { check },
          },
        },
        (credentials) => deps.probes.run(probe, { credentials, region: input.region }),
      );
      return { ok: true };
    } catch (err) {
      // Audit unavailable, tenancy, a bug: the verification itself fails, it is not a probe result.
      if (err instanceof AppError && !PROBE_RESULT_CODES.has(err.code)) throw err;
      return { ok: false, error: classifyProbeError(err) };
    }
  }

  function skippedCapabilities(input: VerificationInput, advice: string): VerificationCheck[] {
    return input.capabilities.map((c) => ({ name: `capability:${c}`, status: 'skipped', advice }));
  }

  return {
    async verify(input: VerificationInput): Promise<VerificationOutcome> {
      const outcome = await verifyRole(input);
      const egressIps = input.egressIps ?? [];
      if (egressIps.length === 0) return outcome;
      return { ...outcome, checks: [...outcome.checks, sourceIpPinCheck(egressIps)] };
    },
  };

  async function verifyRole(input: VerificationInput): Promise<VerificationOutcome> {
    // 1. The trust policy must refuse a missing and a wrong external ID: asked first, answered
    //    accepted/denied only, so an unsafe role's credentials never exist outside the broker.
    const without = await enforcementCheck(input, 'external_id_required', 'without_external_id', null);
    let wrongId = deps.randomExternalId();
    while (wrongId === input.externalId || wrongId === input.previousExternalId)
      wrongId = deps.randomExternalId();
    const wrong = await enforcementCheck(input, 'wrong_external_id_refused', 'wrong_external_id', wrongId);
    if (without.unsafe || wrong.unsafe) {
      return {
        status: 'unsafe',
        checks: [
          { name: 'assume_role_with_external_id', status: 'skipped', advice: SKIPPED_UNSAFE },
          without.check,
          wrong.check,
          ...skippedCapabilities(input, SKIPPED_UNSAFE),
        ],
        acceptedExternalId: null,
      };
    }
    // 2. Assume with the external ID (during a rotation: the new one, else the previous one).
    const checks: VerificationCheck[] = [];
    let sourceIdentityWorks = input.sourceIdentity;
    let assumed = await trustProbe(
      input,
      'with_external_id',
      'assume_role_with_external_id',
      input.externalId,
      input.sourceIdentity,
    );
    if (assumed.outcome === 'denied' && input.sourceIdentity) {
      // Denied with SourceIdentity: find out whether only sts:SetSourceIdentity is missing.
      const plain = await trustProbe(input, 'with_external_id', 'source_identity_allowed', input.externalId);
      if (plain.outcome === 'accepted') {
        assumed = plain;
        sourceIdentityWorks = false;
        checks.push({
          name: 'source_identity_allowed',
          status: 'failed',
          code: 'source_identity_not_allowed',
          advice: `The trust policy lets ${input.principalArn} assume the role but not set a source identity. Add sts:SetSourceIdentity to the trust policy (see the templates) so your CloudTrail shows which Rolegate user acted, then verify again.`,
        });
      }
    }
    let accepted: VerificationOutcome['acceptedExternalId'] =
      assumed.outcome === 'accepted' ? 'current' : null;
    if (assumed.outcome === 'accepted') {
      checks.unshift({ name: 'assume_role_with_external_id', status: 'passed' });
    } else if (input.previousExternalId !== null && assumed.outcome === 'denied') {
      const previous = await trustProbe(
        input,
        'previous_external_id',
        'assume_role_with_external_id',
        input.previousExternalId,
      );
      if (previous.outcome === 'accepted') {
        assumed = previous;
        accepted = 'previous';
        sourceIdentityWorks = false; // not proven for the previous ID; the probes go without it
        checks.push({
          name: 'assume_role_with_external_id',
          status: 'failed',
          code: 'external_id_rotation_pending',
          advice:
            'The role still accepts only the previous external ID. Update the trust policy with the new external ID from the templates, then verify again; operations keep using the previous ID until then.',
        });
      }
    }
    if (assumed.outcome !== 'accepted') {
      const failure = probeFailure('assume_role_with_external_id', assumed);
      if (failure.code === 'aws_access_denied') {
        failure.advice =
          `AWS refused AssumeRole with the connection's external ID. Check that the role ARN is right, that the role exists, ` +
          `and that its trust policy allows sts:AssumeRole for ${input.principalArn} with the condition ` +
          'StringEquals sts:ExternalId = the external ID shown in the templates (copy the trust policy from there).' +
          ((input.egressIps ?? []).length > 0
            ? " The templates also pin aws:SourceIp to Rolegate's egress addresses: if the role has that condition, check that it lists them and that Rolegate reaches STS from them (not through a VPC endpoint, where aws:SourceIp is not set)."
            : '');
      }
      checks.push(failure);
      // Refusals of a role that cannot be assumed at all prove nothing about its trust policy.
      for (const name of ['external_id_required', 'wrong_external_id_refused']) {
        checks.push({ name, status: 'skipped', advice: 'Skipped because the role could not be assumed.' });
      }
      checks.push(...skippedCapabilities(input, 'Skipped because the role could not be assumed.'));
      return { status: 'failed', checks, acceptedExternalId: null };
    }
    checks.push(without.check, wrong.check);
    if (without.check.status !== 'passed' || wrong.check.status !== 'passed') {
      // Not proven safe (throttled, unavailable…): no call with the role's credentials until it is.
      checks.push(...skippedCapabilities(input, SKIPPED_UNPROVEN));
      return { status: 'failed', checks, acceptedExternalId: accepted };
    }
    const connection: BrokerConnection = {
      id: input.connectionId,
      orgId: input.orgId,
      roleArn: input.roleArn,
      externalId: accepted === 'previous' ? input.previousExternalId! : input.externalId,
      sourceIdentityEnabled: sourceIdentityWorks,
    };

    // 3. One harmless read per capability.
    for (const capability of input.capabilities) {
      const name = `capability:${capability}`;
      const plan = capabilityProbes(capability, input.scopes);
      if (!Array.isArray(plan)) {
        checks.push({ name, status: 'skipped', advice: plan.skipped });
        continue;
      }
      let check: VerificationCheck = { name, status: 'passed' };
      for (const probe of plan) {
        const r = await runProbe(input, connection, probe, name);
        if (r.ok) continue;
        check = {
          name,
          status: 'failed',
          code: r.error.code,
          advice:
            r.error.code === 'aws_throttled' || r.error.code === 'aws_unavailable'
              ? RETRY_ADVICE
              : r.error.code === 'aws_not_found'
                ? `A resource scoped for ${capability} does not exist (${probe.kind}); check the scopes.`
                : `AWS denied ${probe.kind}. ${CAPABILITY_ADVICE[capability]}`,
        };
        break;
      }
      checks.push(check);
    }

    // 4. Over-privilege, where a read call makes it visible.
    for (const item of OVER_PRIVILEGE) {
      if (item.unless.some((c) => input.capabilities.includes(c))) continue;
      const r = await runProbe(input, connection, item.probe, item.name);
      if (r.ok) {
        checks.push({
          name: item.name,
          status: 'warning',
          code: 'over_privileged',
          advice: `The role allows ${item.what}, which none of the chosen capabilities needs. Remove that permission from the role so it grants exactly the permission policy from the templates.`,
        });
      } else if (r.error.denied) {
        checks.push({ name: item.name, status: 'passed' });
      } else {
        checks.push({ name: item.name, status: 'skipped', code: r.error.code });
      }
    }

    const status = checks.some((c) => c.status === 'failed') ? 'failed' : 'verified';
    return { status, checks, acceptedExternalId: accepted };
  }
}

export type Verifier = ReturnType<typeof createVerifier>;
