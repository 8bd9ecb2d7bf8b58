import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  type AssumeRoleCommandOutput,
} from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsClientFactory } from '../aws/clients.ts';
import { awsErrorCode, classifyAwsError, mapAwsError } from '../aws/errors.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { sha256Hex } from '../crypto/tokens.ts';
import { AppError, ErrorCode } from '../http/errors.ts';
import { createLayeredStsBudget, type StsBudgetOptions } from './budget.ts';
import { LruMap } from './lru.ts';
import { createCallerIdentityLookup, principalArnFrom } from './principal.ts';
import { assertSessionPolicySize, roleSessionName, sourceIdentityFor } from './session.ts';
import type { AssumeRequest, CredentialBroker, TrustProbeResult, TrustProber } from './types.ts';

/**
 * The credential broker: the only code in Rolegate that calls STS AssumeRole.
 *
 * Every call carries the connection's external ID, a session name naming Rolegate, the actor and
 * the request, the actor as SourceIdentity where the connection allows it, and a session policy
 * narrowing the credentials to one operation. Credentials live only in this process's memory.
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
  clock: Clock;
  config: { aws: Pick<Config['aws'], 'principalArn' | 'credentialCache' | 'sessionDuration'> };
  logger: BrokerLogger;
  options?: BrokerOptions;
}

export interface Broker extends CredentialBroker, TrustProber {
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

export function createBroker(deps: BrokerDeps): Broker {
  const { clients, clock, config, logger } = deps;
  const opts = { ...DEFAULT_BROKER_OPTIONS, ...deps.options };
  const cache = new LruMap<string, CachedCredentials>(opts.cacheSize);
  const inflight = new Map<string, Promise<CachedCredentials>>();
  const denials = new LruMap<string, Denial>(10_000);
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

  async function assume(request: AssumeRequest, policyJson: string): Promise<CachedCredentials> {
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
  function singleFlight(key: string, request: AssumeRequest, policyJson: string): Promise<CachedCredentials> {
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

  return {
    async credentialsFor(request) {
      const { connection, actor } = request;
      // Defence in depth: callers look connections up by organisation; a mismatch (or an actor with
      // no organisation at all) is a bug, and must look exactly like a connection that does not exist.
      if (actor.orgId !== connection.orgId) throw new AppError(ErrorCode.NOT_FOUND);
      const policyJson = assertSessionPolicySize(request.policy);
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
    },

    async probeAssume(input): Promise<TrustProbeResult> {
      // The same tenancy check as credentialsFor: only ever on behalf of the connection's organisation.
      if (input.actor.orgId !== input.orgId) throw new AppError(ErrorCode.NOT_FOUND);
      const policyJson = input.policy === undefined ? undefined : assertSessionPolicySize(input.policy);
      const decision = budget.take(input.orgId);
      if (!decision.allowed) return { outcome: 'error', code: ErrorCode.AWS_THROTTLED, retryable: true };
      const command: AssumeRoleCommandInput = {
        RoleArn: input.roleArn,
        RoleSessionName: roleSessionName(input.actor),
        DurationSeconds: 900,
        ...(input.externalId === null ? {} : { ExternalId: input.externalId }),
        ...(policyJson === undefined ? {} : { Policy: policyJson }),
        ...(input.sourceIdentity === true ? { SourceIdentity: sourceIdentityFor(input.actor) } : {}),
      };
      const probe = input.externalId === null ? 'without_external_id' : 'with_external_id';
      try {
        const out = await clients.sts().send(new AssumeRoleCommand(command));
        const c = out.Credentials;
        if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) {
          return { outcome: 'error', code: 'NoCredentials', retryable: false };
        }
        if (input.externalId !== null)
          denials.delete(denialKey(input.connectionId, input.roleArn, input.externalId));
        logger.info(
          { connectionId: input.connectionId, orgId: input.orgId, probe, outcome: 'assumed' },
          'trust probe',
        );
        return {
          outcome: 'assumed',
          credentials: {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
            ...(c.Expiration === undefined ? {} : { expiration: c.Expiration }),
          },
        };
      } catch (err) {
        const kind = classifyAwsError(err);
        const code = awsErrorCode(err) ?? kind;
        logger.info(
          { connectionId: input.connectionId, orgId: input.orgId, probe, outcome: kind, awsCode: code },
          'trust probe',
        );
        if (kind === 'access_denied') return { outcome: 'denied', code };
        if (kind === 'throttled') budget.penalize(input.orgId);
        return { outcome: 'error', code, retryable: kind === 'throttled' || kind === 'unavailable' };
      }
    },

    async resolvePrincipalArn() {
      if (config.aws.principalArn !== undefined) return principalArnFrom(config.aws.principalArn);
      return principalArnFrom((await callerIdentity()).arn);
    },

    effectiveDurationSeconds,

    forgetConnection(connectionId) {
      epoch += 1;
      cache.deleteWhere((entry) => entry.connectionId === connectionId);
      denials.deleteWhere((denial) => denial.connectionId === connectionId);
    },
  };
}
