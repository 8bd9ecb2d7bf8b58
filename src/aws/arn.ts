import { parse, validate } from '@aws-sdk/util-arn-parser';

/**
 * ARNs, parsed in one place. @aws-sdk/util-arn-parser splits the six fields; what Rolegate accepts
 * on top of that (its partitions, IAM's name and path rules) is decided here, for every caller:
 * connection role ARNs, Rolegate's own principal (configuration, CLI, caller identity), and the
 * partition of the policies written for a connection.
 */

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

export interface Arn {
  partition: Partition;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

/** IAM's limit on an ARN: longer input is refused before it is split. */
const MAX_ARN = 2048;
/** IAM's limit on a path (`/` through the final `/`). */
const MAX_PATH = 512;
const ACCOUNT_ID = /^\d{12}$/;
/** A role, user or session name: IAM's 1–64 characters of `[\w+=,.@-]`. */
const NAME = /^[\w+=,.@-]{1,64}$/;
/** A path segment: a safe subset of IAM's path characters. */
const PATH_SEGMENT = /^[\w+=,.@-]+$/;

function isPartition(value: string): value is Partition {
  return (PARTITIONS as readonly string[]).includes(value);
}

/** An ARN in a partition Rolegate supports, or null. */
export function parseArn(value: string): Arn | null {
  if (value.length > MAX_ARN || !validate(value)) return null;
  const { partition, service, region, accountId, resource } = parse(value);
  if (!isPartition(partition)) return null;
  return { partition, service, region, accountId, resource };
}

/** The partition of an ARN; `aws` when it is not one Rolegate parses (stored role ARNs always are). */
export function partitionOf(arn: string): Partition {
  return parseArn(arn)?.partition ?? 'aws';
}

export interface IamEntityArn {
  partition: Partition;
  accountId: string;
  kind: 'role' | 'user';
  /** `/` or `/segment/.../`, as IAM reports it. */
  path: string;
  name: string;
}

/** An IAM role or user ARN (`arn:<partition>:iam::<account>:role|user/<path><name>`), or null. */
export function parseIamEntityArn(value: string): IamEntityArn | null {
  const arn = parseArn(value);
  if (arn === null || arn.service !== 'iam' || arn.region !== '' || !ACCOUNT_ID.test(arn.accountId))
    return null;
  const [kind, ...rest] = arn.resource.split('/');
  if ((kind !== 'role' && kind !== 'user') || rest.length === 0) return null;
  const name = rest.pop() ?? '';
  if (!NAME.test(name) || !rest.every((segment) => PATH_SEGMENT.test(segment))) return null;
  const path = rest.length === 0 ? '/' : `/${rest.join('/')}/`;
  if (path.length > MAX_PATH) return null;
  return { partition: arn.partition, accountId: arn.accountId, kind, path, name };
}

export interface ParsedRoleArn {
  partition: Partition;
  accountId: string;
  path: string;
  roleName: string;
}

/** An IAM role ARN; an account root, a user, or any other resource type is null. */
export function parseRoleArn(value: string): ParsedRoleArn | null {
  const entity = parseIamEntityArn(value);
  if (entity === null || entity.kind !== 'role') return null;
  return {
    partition: entity.partition,
    accountId: entity.accountId,
    path: entity.path,
    roleName: entity.name,
  };
}

/** An STS assumed-role session ARN (`arn:<partition>:sts::<account>:assumed-role/<role>/<session>`). */
export function parseAssumedRoleArn(
  value: string,
): { partition: Partition; accountId: string; roleName: string; sessionName: string } | null {
  const arn = parseArn(value);
  if (arn === null || arn.service !== 'sts' || arn.region !== '' || !ACCOUNT_ID.test(arn.accountId))
    return null;
  const [kind, roleName = '', sessionName = '', ...rest] = arn.resource.split('/');
  if (kind !== 'assumed-role' || rest.length > 0 || !NAME.test(roleName) || !NAME.test(sessionName))
    return null;
  return { partition: arn.partition, accountId: arn.accountId, roleName, sessionName };
}

/**
 * The ARN a customer's trust policy names for Rolegate: an IAM role or user passes unchanged, an
 * assumed-role session becomes its role (`arn:<partition>:iam::<account>:role/<name>`; the session
 * ARN carries no path, so a role with a path must be configured as its IAM ARN). Anything else
 * (an account root, a group, a federated user) is null: a trust policy pins one role, never an account.
 */
export function trustablePrincipalArn(value: string): string | null {
  if (parseIamEntityArn(value) !== null) return value;
  const session = parseAssumedRoleArn(value);
  if (session === null) return null;
  return `arn:${session.partition}:iam::${session.accountId}:role/${session.roleName}`;
}
