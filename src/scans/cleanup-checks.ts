import { sha256Hex } from '../crypto/tokens.ts';
import type { DetailValue } from './detectors.ts';
import type { CleanupOptions, FindingRow } from './store.ts';

/**
 * The pure side of clean-up: what a resource must look like to be cleaned up, and the hash that binds
 * a confirmation token to the state the dry run saw. No AWS, no store: the service feeds it what the
 * handlers observed.
 */

/** Any tag with this key (any value) makes a resource untouchable by clean-up. */
export const PROTECT_TAG = 'rolegate:protect';

export interface ObservedState {
  exists: boolean;
  /** Still as wasteful as the finding says: unattached, unassociated, no targets, not used… */
  unused: boolean;
  tags: Record<string, string>;
  facts: Record<string, DetailValue>;
  /**
   * Further resources the action deletes with the main one (an AMI's backing snapshots): each is
   * described, checked like any resource, dry-run and bound into the confirmation token's state hash.
   */
  parts?: ObservedPart[];
}

export interface ObservedPart {
  id: string;
  exists: boolean;
  /** Not used by anything else (a snapshot backing another AMI is in use). */
  unused: boolean;
  tags: Record<string, string>;
  facts: Record<string, DetailValue>;
}

export type CheckStatus = 'pass' | 'fail' | 'skipped';
export interface CleanupCheck {
  name:
    | 'resource_exists'
    | 'still_unused'
    | 'tags_unchanged'
    | 'not_protected'
    | 'tag_conditions'
    | 'aws_dry_run';
  status: CheckStatus;
  message: string;
  /** The part the check is about (e.g. a snapshot id); absent for the finding's own resource. */
  resource?: string;
}

export function stringList(v: DetailValue | undefined): string[] {
  return Array.isArray(v) ? v : [];
}

function sortedRecord<T>(r: Record<string, T>): [string, T][] {
  return Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  return JSON.stringify(sortedRecord(a)) === JSON.stringify(sortedRecord(b));
}

/** `k=v, k2=v2` in key order, as the check messages show the conditions. */
function describeConditions(conditions: Record<string, string>): string {
  return sortedRecord(conditions)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * The tag conditions a resource must meet: exactly those the role's generated policy puts in its
 * `aws:ResourceTag/…` condition (`cleanupTags`, one function for both), so the dry run never
 * approves what AWS will refuse, nor the other way round.
 */
export function tagConditionsCheck(
  tags: Record<string, string>,
  conditions: Record<string, string>,
): CleanupCheck {
  const missing = Object.entries(conditions).filter(([k, v]) => tags[k] !== v);
  return missing.length === 0
    ? {
        name: 'tag_conditions',
        status: 'pass',
        message: `The resource carries the connection’s clean-up tags (${describeConditions(conditions)}).`,
      }
    : {
        name: 'tag_conditions',
        status: 'fail',
        message: `The resource lacks the connection’s clean-up tags (${describeConditions(Object.fromEntries(missing))}); the role’s policy allows deletes only on resources tagged ${describeConditions(conditions)}.`,
      };
}

/**
 * The checks every resource gets, for a part deleted along with the finding's resource (an AMI's
 * snapshot). A part that no longer exists has nothing left to delete; its tags are not compared with
 * the scan (it was not a finding) but they are in the state hash the confirmation token binds.
 */
export function partChecks(part: ObservedPart, conditions: Record<string, string>): CleanupCheck[] {
  const resource = part.id;
  if (!part.exists)
    return [
      { name: 'resource_exists', status: 'skipped', resource, message: `${part.id} no longer exists.` },
    ];
  const usedBy = stringList(part.facts.usedByImages);
  return [
    { name: 'resource_exists', status: 'pass', resource, message: `${part.id} exists.` },
    part.unused
      ? { name: 'still_unused', status: 'pass', resource, message: `No other AMI uses ${part.id}.` }
      : {
          name: 'still_unused',
          status: 'fail',
          resource,
          message: `${part.id} also backs ${usedBy.join(', ') || 'another AMI'}.`,
        },
    PROTECT_TAG in part.tags
      ? {
          name: 'not_protected',
          status: 'fail',
          resource,
          message: `${part.id} carries the ${PROTECT_TAG} tag.`,
        }
      : { name: 'not_protected', status: 'pass', resource, message: `No ${PROTECT_TAG} tag on ${part.id}.` },
    { ...tagConditionsCheck(part.tags, conditions), resource },
  ];
}

/** `conditions` are the connection's effective clean-up tags: pass `cleanupTags(scopes)`. */
export function evaluateChecks(
  finding: FindingRow,
  observed: ObservedState,
  conditions: Record<string, string>,
): CleanupCheck[] {
  const checks: CleanupCheck[] = [];
  checks.push(
    observed.exists
      ? { name: 'resource_exists', status: 'pass', message: 'The resource still exists.' }
      : { name: 'resource_exists', status: 'fail', message: 'The resource no longer exists.' },
  );
  if (!observed.exists) return checks;
  checks.push(
    observed.unused
      ? {
          name: 'still_unused',
          status: 'pass',
          message: 'The resource is still unused, as the finding says.',
        }
      : {
          name: 'still_unused',
          status: 'fail',
          message: 'The resource is in use again (attached, associated or targeted).',
        },
  );
  checks.push(
    sameTags(observed.tags, finding.tags)
      ? { name: 'tags_unchanged', status: 'pass', message: 'Tags are the same as when the scan found it.' }
      : {
          name: 'tags_unchanged',
          status: 'fail',
          message: 'Tags changed since the scan; rescan before cleaning up.',
        },
  );
  checks.push(
    PROTECT_TAG in observed.tags
      ? { name: 'not_protected', status: 'fail', message: `The resource carries the ${PROTECT_TAG} tag.` }
      : { name: 'not_protected', status: 'pass', message: `No ${PROTECT_TAG} tag.` },
  );
  checks.push(tagConditionsCheck(observed.tags, conditions));
  for (const part of observed.parts ?? []) checks.push(...partChecks(part, conditions));
  return checks;
}

/**
 * What the confirmation token binds: the finding, the actor, everything observed (own resource and
 * parts) and the options. Key order is canonical, so the same state always hashes the same.
 */
export function stateHash(
  finding: FindingRow,
  actorId: string,
  observed: ObservedState,
  opts: CleanupOptions,
): string {
  return sha256Hex(
    JSON.stringify({
      finding: finding.id,
      resource: finding.resourceId,
      actor: actorId,
      exists: observed.exists,
      unused: observed.unused,
      tags: sortedRecord(observed.tags),
      facts: sortedRecord(observed.facts),
      parts: (observed.parts ?? []).map((p) => [
        p.id,
        p.exists,
        p.unused,
        sortedRecord(p.tags),
        sortedRecord(p.facts),
      ]),
      // Canonical order: the options come back from jsonb with their keys reordered.
      opts: [opts.snapshotBeforeDelete, opts.deleteSnapshots],
    }),
  );
}

/** What AWS answered a call sent with DryRun=true. */
export type DryRunVerdict = 'ok' | 'denied' | 'unexpected';

/** The `aws_dry_run` check of one DryRun call; `resource` names a part (absent: the finding's resource). */
export function dryRunCheck(verdict: DryRunVerdict, resource?: string): CleanupCheck {
  const at = resource === undefined ? {} : { resource };
  if (verdict === 'ok')
    return {
      name: 'aws_dry_run',
      status: 'pass',
      message: 'AWS confirms the call would succeed (DryRun).',
      ...at,
    };
  if (verdict === 'denied')
    return {
      name: 'aws_dry_run',
      status: 'fail',
      message: 'AWS refuses the call: the role does not grant the clean-up permission.',
      ...at,
    };
  return { name: 'aws_dry_run', status: 'fail', message: 'AWS did not confirm the dry run.', ...at };
}

/** The check a handler whose AWS API has no DryRun option gets instead of `dryRunCheck`. */
export const NO_DRY_RUN: CleanupCheck = {
  name: 'aws_dry_run',
  status: 'skipped',
  message: 'This AWS API has no DryRun option.',
};

/**
 * Why the real run refuses after re-checking, or null when it may act. Protection and unmet tag
 * conditions have their own answers; any other failed check, or a state other than the one the
 * confirmation token bound (`stateMatches`), means the resource changed since the dry run.
 */
export function recheckRefusal(
  checks: readonly CleanupCheck[],
  stateMatches: boolean,
): 'protected' | 'tag_conditions' | 'changed' | null {
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.some((c) => c.name === 'not_protected')) return 'protected';
  if (failed.some((c) => c.name === 'tag_conditions')) return 'tag_conditions';
  if (failed.length > 0 || !stateMatches) return 'changed';
  return null;
}

/** The clean-up options a request may set, as the dry run and the real run receive them. */
export interface RequestedOptions {
  snapshotBeforeDelete?: boolean | undefined;
  deleteSnapshots?: boolean | undefined;
}

/**
 * The options a dry run binds: each applies only to its kind of finding. `imageDeregistered`: an
 * AMI deregistered by a partial clean-up has only its snapshots left to delete.
 */
export function dryRunOptions(
  findingType: string,
  req: RequestedOptions,
  snapshotBeforeDeleteDefault: boolean,
  imageDeregistered: boolean,
): CleanupOptions {
  return {
    snapshotBeforeDelete:
      findingType === 'ebs_volume_unattached' && (req.snapshotBeforeDelete ?? snapshotBeforeDeleteDefault),
    deleteSnapshots: findingType === 'ami_unused' && (imageDeregistered || (req.deleteSnapshots ?? false)),
  };
}

/** The real run may repeat an option, never change one the dry run bound for this kind of finding. */
export function optionsDiffer(findingType: string, req: RequestedOptions, bound: CleanupOptions): boolean {
  return (
    (req.snapshotBeforeDelete !== undefined &&
      req.snapshotBeforeDelete !== bound.snapshotBeforeDelete &&
      findingType === 'ebs_volume_unattached') ||
    (req.deleteSnapshots !== undefined &&
      req.deleteSnapshots !== bound.deleteSnapshots &&
      findingType === 'ami_unused')
  );
}
