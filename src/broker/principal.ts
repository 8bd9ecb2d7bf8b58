import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { parseAssumedRoleArn, trustablePrincipalArn } from '../aws/arn.ts';
import { mapAwsError } from '../aws/errors.ts';
import { AppError, ErrorCode } from '../core/errors.ts';

/** Who Rolegate's base credentials (SDK default provider chain) belong to. */
export interface CallerIdentity {
  arn: string;
  account: string;
  /** True when the base credentials are themselves an assumed role (ECS/EKS/EC2/SSO): role chaining. */
  assumedRole: boolean;
}

/**
 * The ARN customers put in their trust policy: an assumed-role session ARN becomes its IAM role
 * ARN `arn:<partition>:iam::<account>:role/<name>`; IAM roles and users pass unchanged. Account
 * roots and federated users are refused: a trust policy must pin Rolegate's exact role, never a
 * whole account. (A role with a path must be configured with ROLEGATE_AWS_PRINCIPAL_ARN, because
 * the session ARN does not carry the path.)
 */
export function principalArnFrom(arn: string): string {
  const principal = trustablePrincipalArn(arn);
  if (principal !== null) return principal;
  throw new AppError(
    ErrorCode.INTERNAL,
    "Rolegate's base credentials are not an IAM role or user; set ROLEGATE_AWS_PRINCIPAL_ARN to the role customers should trust.",
  );
}

/** GetCallerIdentity once per process (successes cached; a failure is retried on the next call). */
export function createCallerIdentityLookup(sts: () => STSClient): () => Promise<CallerIdentity> {
  let cached: Promise<CallerIdentity> | null = null;
  return () => {
    cached ??= (async () => {
      try {
        const out = await sts().send(new GetCallerIdentityCommand({}));
        const arn = out.Arn ?? '';
        return { arn, account: out.Account ?? '', assumedRole: parseAssumedRoleArn(arn) !== null };
      } catch (err) {
        throw mapAwsError(err, { action: 'sts:GetCallerIdentity' });
      }
    })();
    const pending = cached;
    pending.catch(() => {
      if (cached === pending) cached = null;
    });
    return pending;
  };
}
