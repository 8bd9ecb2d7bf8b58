import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { mapAwsError } from '../aws/errors.ts';
import { AppError, ErrorCode } from '../http/errors.ts';

/** Who Rolegate's base credentials (SDK default provider chain) belong to. */
export interface CallerIdentity {
  arn: string;
  account: string;
  /** True when the base credentials are themselves an assumed role (ECS/EKS/EC2/SSO): role chaining. */
  assumedRole: boolean;
}

const ASSUMED_ROLE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[\w+=,.@-]{1,64}$/;
const IAM_ROLE_OR_USER_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

/**
 * The ARN customers put in their trust policy: an assumed-role session ARN becomes its IAM role
 * ARN `arn:<partition>:iam::<account>:role/<name>`; IAM roles and users pass unchanged. Account
 * roots and federated users are refused: a trust policy must pin Rolegate's exact role, never a
 * whole account. (A role with a path must be configured with ROLEGATE_AWS_PRINCIPAL_ARN, because
 * the session ARN does not carry the path.)
 */
export function principalArnFrom(arn: string): string {
  const assumed = ASSUMED_ROLE_ARN.exec(arn);
  if (assumed !== null) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  if (IAM_ROLE_OR_USER_ARN.test(arn)) return arn;
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
        return { arn, account: out.Account ?? '', assumedRole: ASSUMED_ROLE_ARN.test(arn) };
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
