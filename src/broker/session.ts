import type { Actor } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { PolicyStatement, SessionPolicy } from './types.ts';

/**
 * What every AssumeRole carries besides the role and external ID: a session name and a source
 * identity that tell the customer's CloudTrail who acted, and a session policy that narrows the
 * credentials to one operation. All pure functions.
 */

/** AWS: RoleSessionName and SourceIdentity are 2–64 characters of `[\w+=,.@-]`. */
export const SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;
export const SESSION_NAME_MAX = 64;
/** AWS: the plaintext of an inline session policy may not exceed 2,048 characters. */
export const SESSION_POLICY_MAX_CHARS = 2048;

const ACTOR_PART_MAX = 32;
const REQUEST_PART_MAX = 26;

/** Replaces every character AWS refuses; `.` is kept out of parts because it separates them. */
function part(value: string, max: number): string {
  const cleaned = value.replace(/[^\w+=,@-]/g, '-').slice(0, max);
  return cleaned === '' ? 'none' : cleaned;
}

const ACTOR_TYPE_SHORT: Record<Actor['type'], string> = { user: 'u', apiKey: 'k', oauth: 'o', system: 's' };

/**
 * `rg.<u|k|s>.<actor id>.<request id>`: Rolegate, the kind of actor, who, and which request —
 * at most 5 + 32 + 1 + 26 = 64 characters, only characters AWS accepts, for any input.
 */
export function roleSessionName(actor: Pick<Actor, 'type' | 'id' | 'requestId'>): string {
  const type = ACTOR_TYPE_SHORT[actor.type] ?? 'x';
  return `rg.${type}.${part(actor.id, ACTOR_PART_MAX)}.${part(actor.requestId, REQUEST_PART_MAX)}`;
}

/**
 * The actor as SourceIdentity (2–64 chars of `[\w+=,.@-]`, not starting with `aws:`). It is
 * sticky through role chaining, so the customer can attribute every later call to the actor.
 */
export function sourceIdentityFor(actor: Pick<Actor, 'id'>): string {
  let value = actor.id.replace(/[^\w+=,.@-]/g, '-').slice(0, SESSION_NAME_MAX);
  if (/^aws:/i.test(value)) value = `rg-${value}`.slice(0, SESSION_NAME_MAX);
  if (value.length < 2) value = `rg-${value}`;
  return value;
}

function isUnrestrictedAction(action: string): boolean {
  return action === '*' || /^[^:]+:\*$/.test(action) || action === '*:*';
}

/**
 * Throws unless the policy packs within AWS's 2,048-character limit and names concrete actions.
 * An oversized or wildcard policy is a bug in Rolegate's operation catalogue, never user error.
 */
export function assertSessionPolicySize(policy: SessionPolicy): string {
  const json = JSON.stringify(policy);
  if (json.length > SESSION_POLICY_MAX_CHARS) {
    throw new AppError(ErrorCode.INTERNAL, 'The session policy for this operation is too large.', {
      cause: new Error(`session policy is ${json.length} characters (limit ${SESSION_POLICY_MAX_CHARS})`),
    });
  }
  if (policy.Statement.length === 0) {
    throw new AppError(ErrorCode.INTERNAL, 'The session policy for this operation is empty.');
  }
  for (const statement of policy.Statement) {
    if (statement.Action.length === 0 || statement.Resource.length === 0) {
      throw new AppError(ErrorCode.INTERNAL, 'The session policy for this operation is malformed.');
    }
    if (statement.Effect === 'Allow' && statement.Action.some(isUnrestrictedAction)) {
      throw new AppError(ErrorCode.INTERNAL, 'The session policy for this operation is not least-privilege.');
    }
  }
  return json;
}

/** Builds a session policy from statements and checks its size. */
export function sessionPolicy(statements: PolicyStatement[]): SessionPolicy {
  const policy: SessionPolicy = { Version: '2012-10-17', Statement: statements };
  assertSessionPolicySize(policy);
  return policy;
}
