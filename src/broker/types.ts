import type { AuditedCallEvent } from '../audit/brokered.ts';
import type { Actor } from '../core/actor.ts';

/** An IAM policy document passed as the AssumeRole session policy (≤ 2,048 characters packed). */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface SessionPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** What the broker needs to know of a connection; external IDs arrive decrypted, in memory only. */
export interface BrokerConnection {
  id: string;
  orgId: string;
  roleArn: string;
  externalId: string;
  sourceIdentityEnabled: boolean;
}

/** Where the audit record of a brokered call comes from: the broker fills in organisation, connection and operation. */
export type BrokeredAuditEvent = Omit<AuditedCallEvent, 'orgId' | 'connectionId' | 'operation'>;

/** One brokered AWS call: the only way to obtain credentials for a customer's role. */
export interface BrokeredCall {
  connection: BrokerConnection;
  actor: Actor;
  /** Grants exactly the operation being performed. */
  policy: SessionPolicy;
  /** Operation name, for the session name, the audit record and logs (e.g. `s3.list_buckets`). */
  operation: string;
  region?: string;
  /**
   * A cached credential set with less validity left is not handed out (e.g. a presigned URL
   * must not outlive its credentials). Default: 60 s.
   */
  minValiditySeconds?: number;
  /** The call's audit record; committed (as `attempt`) before any AWS call, the outcome after it. */
  audit: BrokeredAuditEvent;
}

/** Which trust question a probe asks; part of the audited operation name. */
export type TrustProbeKind =
  | 'with_external_id'
  | 'previous_external_id'
  | 'without_external_id'
  | 'wrong_external_id';

export interface TrustProbeRequest {
  connection: Pick<BrokerConnection, 'id' | 'orgId' | 'roleArn'>;
  /** Exactly the external ID to send; null sends none. */
  externalId: string | null;
  probe: TrustProbeKind;
  actor: Actor;
  /** Also send SourceIdentity = actor (proves the trust policy allows sts:SetSourceIdentity). */
  sourceIdentity?: boolean;
  audit: BrokeredAuditEvent;
}

/**
 * What a trust probe answers: whether AWS accepted the AssumeRole, never the credentials it
 * returned (they are dropped inside the broker, so an unsafe role's credentials cannot be used).
 */
export type TrustProbeVerdict =
  | { outcome: 'accepted' }
  | { outcome: 'denied'; code: string }
  | { outcome: 'error'; code: string; retryable: boolean };
