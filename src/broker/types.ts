import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { Actor } from '../http/auth.ts';

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

export interface AssumeRequest {
  connection: BrokerConnection;
  actor: Actor;
  /** Grants exactly the operation being performed. */
  policy: SessionPolicy;
  /** Operation name, for the session name and logs (e.g. `s3.list_buckets`). */
  operation: string;
  region?: string;
  /**
   * A cached credential set with less validity left is not handed out (e.g. a presigned URL
   * must not outlive its credentials). Default: 60 s.
   */
  minValiditySeconds?: number;
}

export interface CredentialBroker {
  /** Temporary credentials for one operation. Never log, persist, or return them to a client. */
  credentialsFor(request: AssumeRequest): Promise<AwsCredentialIdentity>;
}

/** Outcome of a raw trust probe used by connection verification (never used to perform operations). */
export type TrustProbeResult =
  | { outcome: 'assumed'; credentials: AwsCredentialIdentity }
  | { outcome: 'denied'; code: string }
  | { outcome: 'error'; code: string; retryable: boolean };

export interface TrustProber {
  /**
   * One AssumeRole with exactly the given external ID (null = send none), used by verification to
   * prove the trust policy enforces it. Goes through the broker, the only AssumeRole call site.
   */
  probeAssume(input: {
    orgId: string;
    connectionId: string;
    roleArn: string;
    externalId: string | null;
    actor: Actor;
    policy?: SessionPolicy;
    /** Also send SourceIdentity = actor (proves the trust policy allows sts:SetSourceIdentity). */
    sourceIdentity?: boolean;
  }): Promise<TrustProbeResult>;
}
