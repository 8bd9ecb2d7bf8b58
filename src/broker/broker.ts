import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  type AssumeRoleCommandOutput,
} from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { LRUCache } from 'lru-cache';
import { type AuditedCallEvent, withAuditedCall } from '../audit/brokered.ts';
import type { AuditWriter } from '../audit/types.ts';
import type { AwsClientFactory } from '../aws/clients.ts';
import { awsErrorCode, classifyAwsError, mapAwsError } from '../aws/errors.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { sha256Hex } from '../crypto/tokens.ts';
import type { Db } from '../db/client.ts';
import { createLayeredStsBudget, type StsBudgetOptions } from './budget.ts';
import { createCallerIdentityLookup, principalArnFrom } from './principal.ts';
import { assertSessionPolicySize, roleSessionName, sourceIdentityFor } from './session.ts';
import type {
  BrokeredCall,
  SessionPolicy,
  TrustProbeKind,
  TrustProbeRequest,
  TrustProbeVerdict,
} from './types.ts';

/**
 * The credential broker: the only code in Rolegate that calls STS AssumeRole, and the one path
 * to a customer's AWS account (invariant 12).
 *
 * Credentials exist only inside `call`: its audit `attempt` record is committed first (503 and no
 * AWS call when it cannot be), then AssumeRole with the connection's external ID, a session name
 * naming Rolegate, the actor and the request, the actor as SourceIdentity where the connection
 * allows it, and a session policy narrowing the credentials to that one call; then the caller's
 * function runs with them, and the outcome is recorded whatever happens. Nothing else in the
 * broker's public surface returns credentials: trust probes answer accepted/denied only, so the
 * credentials of a role that does not enforce its external ID never leave this module
 * (invariant 13). Credentials live only in this process's memory.
 */

/** STS refuses DurationSeconds above one hour when the caller is itself an assumed role. */
export const ROLE_CHAINING_MAX_SECONDS = 3600;

export interface BrokerOptions {
  /** Cached credential sets in `memory` mode (least recently used evicted first). */
  cacheSize?: number;
  /** Refresh once less than this is left (or less than a third of the lifetime, if larger). */
  refreshBeforeSeconds?: number;
  /** Cached credentials with less than this left are never handed out. */
  minRemainingSeconds?: number;
  /** How long an AccessDenied from AssumeRole is remembered per connection + external ID. */
  negativeTtlSeconds?: number;
  stsBudget?: StsBudgetOptions;
  /** AssumeRole calls of the whole deployment, above the per-organisation budgets. */
  stsGlobalBudget?: Pick<StsBudgetOptions, 'perMinute' | 'burst'>;
}

export interface BrokerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface BrokerDeps {
  clients: Pick<AwsClientFactory, 'sts'>;
  /** Every call and probe is recorded through it (attempt before, outcome after). */
  audit: Pick<AuditWriter, 'record'>;
  db: Db;
  /** Told when an outcome record could not be written (the AWS call already happened). */
  onAuditOutcomeError?: (err: unknown) => void;
  clock: Clock;
  config: { aws: Pick<Config['aws'], 'principalArn' | 'credentialCache' | 'sessionDuration'> };
  logger: BrokerLogger;
  options?: BrokerOptions;
}

export interface Broker {
  /**
   * The only way to use a customer's role: audited, with credentials narrowed by `request.policy`
   * to exactly this call, handed to `fn` alone. Never log, persist or return them to a client.
   */
  call<T>(request: BrokeredCall, fn: (credentials: AwsCredentialIdentity) => Promise<T>): Promise<T>;
  /**
   * One audited AssumeRole with exactly the given external ID (null: none), used by verification to
   * prove the trust policy enforces it. Answers whether AWS accepted it; the credentials are dropped.
   * Throws only for tenancy (404) and an unwritable audit record (503).
   */
  probeTrust(request: TrustProbeRequest): Promise<TrustProbeVerdict>;
  /** The exact ARN customers must trust (never an account root). */
  resolvePrincipalArn(): Promise<string>;
  /** DurationSeconds actually sent (capped at 3600 when base credentials are an assumed role). */
  effectiveDurationSeconds(): Promise<number>;
  /** Drops cached and negatively cached entries of a connection (deleted, rotated, re-verified, unsafe). */
  forgetConnection(connectionId: string): void;
}

export const DEFAULT_BROKER_OPTIONS = {
  cacheSize: 1000,
  refreshBeforeSeconds: 300,
  minRemainingSeconds: 60,
  negativeTtlSeconds: 60,
  stsBudget: { perMinute: 120, burst: 60 },
  stsGlobalBudget: { perMinute: 6_000, burst: 1_000 },
} as const;

/**
 * The session policy of a trust probe: nothing at all is allowed, so even the credentials of a role
 * that wrongly accepted the probe could not read anything (they are dropped anyway).
 */
export const TRUST_PROBE_POLICY: SessionPolicy = Object.freeze({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: ['*'], Resource: ['*'] }],
}) as SessionPolicy;

interface CachedCredentials {
  connectionId: string;
  credentials: Readonly<AwsCredentialIdentity>;
  issuedMs: number;
  expiresMs: number;
}

interface Denial {
  connectionId: string;
  untilMs: number;
}

function deniedError(cause?: unknown): AppError {
  return new AppError(
    ErrorCode.AWS_ACCESS_DENIED,
    "AWS refused to let Rolegate assume the connection's role; check the role's trust policy and re-verify the connection.",
    { details: { action: 'sts:AssumeRole' }, ...(cause === undefined ? {} : { cause }) },
  );
}

/** Drops every entry whose value matches; keys are collected first, so no iterator sees a deletion. */
function deleteWhere<V extends object>(lru: LRUCache<string, V>, matches: (value: V) => boolean): void {
  const keys = [...lru.entries()].filter(([, value]) => matches(value)).map(([key]) => key);
  for (const key of keys) lru.delete(key);
}

export function createBroker(deps: BrokerDeps): Broker {
  const { clients, clock, config, logger } = deps;
  const opts = { ...DEFAULT_BROKER_OPTIONS, ...deps.options };
  const cache = new LRUCache<string, CachedCredentials>({ max: opts.cacheSize });
  const inflight = new Map<string, Promise<CachedCredentials>>();
  const denials = new LRUCache<string, Denial>({ max: 10_000 });
  const budget = createLayeredStsBudget(
    { perOrganization: opts.stsBudget, deployment: opts.stsGlobalBudget },
    clock,
  );
  const callerIdentity = createCallerIdentityLookup(() => clients.sts());
  /** Bumped by forgetConnection: an AssumeRole started before it must not fill the cache. */
  let epoch = 0;
  let durationPromise: Promise<number> | null = null;

  const nowMs = () => clock.now().getTime();
  const denialKey = (connectionId: string, roleArn: string, externalId: string) =>
    `${connectionId}|${sha256Hex(`${roleArn}\n${externalId}`)}`;

  async function effectiveDurationSeconds(): Promise<number> {
    const configured = config.aws.sessionDuration;
    if (configured <= ROLE_CHAINING_MAX_SECONDS) return configured;
    durationPromise ??= callerIdentity().then(
      (identity) => (identity.assumedRole ? ROLE_CHAINING_MAX_SECONDS : configured),
      (err: unknown) => {
        durationPromise = null;
        throw err;
      },
    );
    return durationPromise;
  }

  function spendBudget(orgId: string): void {
    const decision = budget.take(orgId);
    if (!decision.allowed) {
      const deployment = decision.scope === 'deployment';
      throw new AppError(
        ErrorCode.AWS_THROTTLED,
        deployment
          ? 'Rolegate is requesting too many AWS sessions right now; retry later.'
          : 'Too many AWS sessions were requested for this organisation; retry later.',
        {
          retryAfter: decision.retryAfterSeconds,
          details: { reason: deployment ? 'sts_budget_deployment' : 'sts_budget' },
        },
      );
    }
  }

  async function assume(request: BrokeredCall, policyJson: string): Promise<CachedCredentials> {
    const { connection, actor } = request;
    spendBudget(connection.orgId);
    const durationSeconds = await effectiveDurationSeconds();
    const input: AssumeRoleCommandInput = {
      RoleArn: connection.roleArn,
      ExternalId: connection.externalId,
      RoleSessionName: roleSessionName(actor),
      Policy: policyJson,
      DurationSeconds: durationSeconds,
      ...(connection.sourceIdentityEnabled ? { SourceIdentity: sourceIdentityFor(actor) } : {}),
    };
    const issuedMs = nowMs();
    let output: AssumeRoleCommandOutput;
    try {
      output = await clients.sts().send(new AssumeRoleCommand(input));
    } catch (err) {
      const kind = classifyAwsError(err);
      if (kind === 'throttled') budget.penalize(connection.orgId);
      if (kind === 'access_denied') {
        denials.set(denialKey(connection.id, connection.roleArn, connection.externalId), {
          connectionId: connection.id,
          untilMs: nowMs() + opts.negativeTtlSeconds * 1000,
        });
        logger.warn(
          {
            connectionId: connection.id,
            orgId: connection.orgId,
            operation: request.operation,
            awsCode: awsErrorCode(err),
          },
          'AssumeRole denied; remembered briefly',
        );
        throw deniedError(err);
      }
      throw mapAwsError(err, { action: 'sts:AssumeRole' });
    }
    const c = output.Credentials;
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) {
      throw new AppError(ErrorCode.AWS_REQUEST_FAILED, 'AWS returned no credentials for the role.');
    }
    const expiresMs = c.Expiration?.getTime() ?? issuedMs + durationSeconds * 1000;
    logger.info(
      {
        connectionId: connection.id,
        orgId: connection.orgId,
        operation: request.operation,
        roleSessionName: input.RoleSessionName,
        sourceIdentity: input.SourceIdentity ?? null,
        durationSeconds,
      },
      'assumed customer role',
    );
    return {
      connectionId: connection.id,
      credentials: Object.freeze({
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: new Date(expiresMs),
      }),
      issuedMs,
      expiresMs,
    };
  }

  /** One AssumeRole per key at a time; everyone asking meanwhile waits for the same result. */
  function singleFlight(key: string, request: BrokeredCall, policyJson: string): Promise<CachedCredentials> {
    const running = inflight.get(key);
    if (running !== undefined) return running;
    const startedEpoch = epoch;
    const promise = assume(request, policyJson)
      .then((entry) => {
        if (epoch === startedEpoch) cache.set(key, entry);
        return entry;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  }

  function refreshDue(entry: CachedCredentials, now: number): boolean {
    const lifetime = entry.expiresMs - entry.issuedMs;
    const threshold = Math.max(opts.refreshBeforeSeconds * 1000, lifetime / 3);
    return entry.expiresMs - now < threshold;
  }

  /** Module-private: reachable only through `call`, after its attempt record is committed. */
  async function credentialsFor(request: BrokeredCall, policyJson: string): Promise<AwsCredentialIdentity> {
    const { connection, actor } = request;
    const denial = denials.get(denialKey(connection.id, connection.roleArn, connection.externalId));
    if (denial !== undefined) {
      if (denial.untilMs > nowMs()) throw deniedError();
      denials.delete(denialKey(connection.id, connection.roleArn, connection.externalId));
    }
    if (config.aws.credentialCache === 'off') return { ...(await assume(request, policyJson)).credentials };

    const key = `${connection.id}|${sha256Hex(
      JSON.stringify([
        connection.roleArn,
        sha256Hex(connection.externalId),
        connection.sourceIdentityEnabled,
        actor.type,
        actor.id,
        sha256Hex(policyJson),
      ]),
    )}`;
    const now = nowMs();
    const minRemainingMs = Math.max(opts.minRemainingSeconds, request.minValiditySeconds ?? 0) * 1000;
    const entry = cache.get(key);
    if (entry !== undefined && entry.expiresMs - now > minRemainingMs) {
      if (refreshDue(entry, now)) {
        // Still valid: hand it out and refresh in the background (single-flight).
        singleFlight(key, request, policyJson).catch((err: unknown) => {
          logger.warn(
            {
              connectionId: connection.id,
              orgId: connection.orgId,
              code: err instanceof AppError ? err.code : 'error',
            },
            'background credential refresh failed',
          );
        });
      }
      // A copy: the SDK writes bookkeeping onto the credentials object it is given.
      return { ...entry.credentials };
    }
    if (entry !== undefined) cache.delete(key);
    return { ...(await singleFlight(key, request, policyJson)).credentials };
  }

  /** Defence in depth: callers look connections up by organisation; a mismatch is a bug and looks like a missing connection. */
  function assertSameOrganisation(actorOrgId: string | null, connectionOrgId: string): void {
    if (actorOrgId !== connectionOrgId) throw new AppError(ErrorCode.NOT_FOUND);
  }

  function auditEventOf(
    request: { audit: BrokeredCall['audit']; connection: { id: string; orgId: string } },
    operation: string,
  ): AuditedCallEvent {
    // The types demand the record; this keeps a cast or a JavaScript caller from skipping it.
    if (typeof request.audit?.action !== 'string' || request.audit.action === '') {
      throw new AppError(ErrorCode.INTERNAL, undefined, {
        cause: new Error('brokered call without its audit record'),
      });
    }
    return {
      ...request.audit,
      orgId: request.connection.orgId,
      connectionId: request.connection.id,
      operation,
    };
  }

  const auditOptions =
    deps.onAuditOutcomeError === undefined ? {} : { onOutcomeError: deps.onAuditOutcomeError };
  const trustProbePolicyJson = assertSessionPolicySize(TRUST_PROBE_POLICY);

  /** The AssumeRole of a trust probe, inside its audited call; resolves only when AWS accepted it. */
  async function trustAssume(request: TrustProbeRequest): Promise<void> {
    const { connection, actor } = request;
    const decision = budget.take(connection.orgId);
    if (!decision.allowed) {
      throw new AppError(ErrorCode.AWS_THROTTLED, undefined, {
        retryAfter: decision.retryAfterSeconds,
        details: { reason: 'sts_budget' },
      });
    }
    const command: AssumeRoleCommandInput = {
      RoleArn: connection.roleArn,
      RoleSessionName: roleSessionName(actor),
      DurationSeconds: 900,
      Policy: trustProbePolicyJson,
      ...(request.externalId === null ? {} : { ExternalId: request.externalId }),
      ...(request.sourceIdentity === true ? { SourceIdentity: sourceIdentityFor(actor) } : {}),
    };
    const out = await clients.sts().send(new AssumeRoleCommand(command));
    // Only whether AWS issued credentials matters; they go out of scope here, unused.
    if (out.Credentials?.AccessKeyId === undefined) {
      throw Object.assign(new Error('AWS returned no credentials for the role.'), { name: 'NoCredentials' });
    }
  }

  function probeLog(request: TrustProbeRequest, outcome: string, awsCode?: string): void {
    logger.info(
      {
        connectionId: request.connection.id,
        orgId: request.connection.orgId,
        probe: request.probe,
        outcome,
        ...(awsCode === undefined ? {} : { awsCode }),
      },
      'trust probe',
    );
  }

  return {
    async call(request, fn) {
      assertSameOrganisation(request.actor.orgId, request.connection.orgId);
      const policyJson = assertSessionPolicySize(request.policy);
      return withAuditedCall(
        deps.audit,
        deps.db,
        auditEventOf(request, request.operation),
        // credentialsFor hands out a private copy (the SDK writes bookkeeping onto it).
        async () => fn(await credentialsFor(request, policyJson)),
        auditOptions,
      );
    },

    async probeTrust(request) {
      assertSameOrganisation(request.actor.orgId, request.connection.orgId);
      const operation = `verify.trust.${request.probe satisfies TrustProbeKind}`;
      try {
        await withAuditedCall(
          deps.audit,
          deps.db,
          auditEventOf(request, operation),
          () => trustAssume(request),
          auditOptions,
        );
      } catch (err) {
        if (err instanceof AppError) {
          // Our own STS budget: retry later. Anything else (audit unavailable) fails the verification.
          if (err.code !== ErrorCode.AWS_THROTTLED) throw err;
          probeLog(request, 'throttled', 'sts_budget');
          return { outcome: 'error', code: ErrorCode.AWS_THROTTLED, retryable: true };
        }
        const kind = classifyAwsError(err);
        const code = awsErrorCode(err) ?? (err instanceof Error && err.name !== 'Error' ? err.name : kind);
        probeLog(request, kind, code);
        if (kind === 'access_denied') return { outcome: 'denied', code };
        if (kind === 'throttled') budget.penalize(request.connection.orgId);
        return { outcome: 'error', code, retryable: kind === 'throttled' || kind === 'unavailable' };
      }
      if (
        request.externalId !== null &&
        (request.probe === 'with_external_id' || request.probe === 'previous_external_id')
      ) {
        denials.delete(denialKey(request.connection.id, request.connection.roleArn, request.externalId));
      }
      probeLog(request, 'accepted');
      return { outcome: 'accepted' };
    },

    async resolvePrincipalArn() {
      if (config.aws.principalArn !== undefined) return principalArnFrom(config.aws.principalArn);
      return principalArnFrom((await callerIdentity()).arn);
    },

    effectiveDurationSeconds,

    forgetConnection(connectionId) {
      epoch += 1;
      deleteWhere(cache, (entry) => entry.connectionId === connectionId);
      deleteWhere(denials, (denial) => denial.connectionId === connectionId);
    },
  };
}
