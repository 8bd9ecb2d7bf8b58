import { describe, expect, it } from 'vitest';
import {
  type CleanupCheck,
  dryRunCheck,
  dryRunOptions,
  evaluateChecks,
  NO_DRY_RUN,
  type ObservedState,
  optionsDiffer,
  PROTECT_TAG,
  partChecks,
  recheckRefusal,
  sameTags,
  stateHash,
  tagConditionsCheck,
} from './cleanup-checks.ts';
import type { FindingRow } from './store.ts';

const at = new Date('2026-01-01T00:00:00Z');
const finding: FindingRow = {
  id: 'fnd_1',
  orgId: 'org_1',
  connectionId: 'con_1',
  scanId: 'scn_1',
  type: 'ebs_volume_unattached',
  region: 'eu-west-1',
  resourceId: 'vol-1',
  resourceArn: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-1',
  ageDays: 40,
  tags: { team: 'a', env: 'dev' },
  monthlyCostCents: 800,
  costBasis: null,
  recommendedAction: 'delete',
  details: {},
  status: 'open',
  statusChangedBy: null,
  statusChangedAt: null,
  firstSeenAt: at,
  lastSeenAt: at,
};
const opts = { snapshotBeforeDelete: true, deleteSnapshots: false };
const same: ObservedState = {
  exists: true,
  unused: true,
  tags: { env: 'dev', team: 'a' },
  facts: { state: 'available', attachments: 0 },
};
const byName = (checks: { name: string; status: string }[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c.status]));

describe('evaluateChecks', () => {
  it('passes every check for an unchanged, unused, unprotected resource without conditions', () => {
    expect(byName(evaluateChecks(finding, same, {}))).toEqual({
      resource_exists: 'pass',
      still_unused: 'pass',
      tags_unchanged: 'pass',
      not_protected: 'pass',
      tag_conditions: 'pass',
    });
  });

  it('stops at resource_exists when the resource is gone', () => {
    const checks = evaluateChecks(finding, { exists: false, unused: false, tags: {}, facts: {} }, {});
    expect(checks.map((c) => [c.name, c.status])).toEqual([['resource_exists', 'fail']]);
  });

  it('fails still_unused, tags_unchanged, not_protected and tag_conditions each on its own cause', () => {
    expect(byName(evaluateChecks(finding, { ...same, unused: false }, {})).still_unused).toBe('fail');
    expect(
      byName(evaluateChecks(finding, { ...same, tags: { team: 'b', env: 'dev' } }, {})).tags_unchanged,
    ).toBe('fail');
    const protectedTags = { ...same.tags, [PROTECT_TAG]: '' };
    const p = byName(
      evaluateChecks({ ...finding, tags: protectedTags }, { ...same, tags: protectedTags }, {}),
    );
    expect(p.not_protected).toBe('fail');
    expect(p.tags_unchanged).toBe('pass');
    expect(byName(evaluateChecks(finding, same, { cleanup: 'yes' })).tag_conditions).toBe('fail');
  });

  it('adds the checks of every part, naming the part', () => {
    const checks = evaluateChecks(
      finding,
      {
        ...same,
        parts: [
          { id: 'snap-1', exists: true, unused: false, tags: {}, facts: { usedByImages: ['ami-2'] } },
          { id: 'snap-2', exists: false, unused: false, tags: {}, facts: {} },
        ],
      },
      {},
    );
    const snap1 = checks.filter((c) => c.resource === 'snap-1');
    expect(byName(snap1)).toEqual({
      resource_exists: 'pass',
      still_unused: 'fail',
      not_protected: 'pass',
      tag_conditions: 'pass',
    });
    expect(snap1.find((c) => c.name === 'still_unused')?.message).toContain('ami-2');
    expect(checks.filter((c) => c.resource === 'snap-2').map((c) => [c.name, c.status])).toEqual([
      ['resource_exists', 'skipped'],
    ]);
  });
});

describe('partChecks', () => {
  it('refuses a protected part and one missing the clean-up tags', () => {
    const part = { id: 'snap-1', exists: true, unused: true, tags: { [PROTECT_TAG]: 'x' }, facts: {} };
    expect(byName(partChecks(part, { cleanup: 'yes' }))).toEqual({
      resource_exists: 'pass',
      still_unused: 'pass',
      not_protected: 'fail',
      tag_conditions: 'fail',
    });
  });
});

describe('tagConditionsCheck', () => {
  it('requires every condition with its exact value and names only the missing ones', () => {
    expect(tagConditionsCheck({ a: '1', b: '2' }, { a: '1', b: '2' }).status).toBe('pass');
    const failed = tagConditionsCheck({ a: '1', b: '3' }, { a: '1', b: '2' });
    expect(failed.status).toBe('fail');
    expect(failed.message).toContain('(b=2)');
    expect(tagConditionsCheck({}, {}).status).toBe('pass');
  });
});

describe('sameTags', () => {
  it('ignores key order and compares values', () => {
    expect(sameTags({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameTags({ a: '1' }, { a: '2' })).toBe(false);
    expect(sameTags({ a: '1' }, { a: '1', b: '' })).toBe(false);
  });
});

describe('stateHash', () => {
  it('is the same for the same state whatever the key order', () => {
    const reordered: ObservedState = {
      ...same,
      tags: { team: 'a', env: 'dev' },
      facts: { attachments: 0, state: 'available' },
    };
    expect(stateHash(finding, 'usr_1', reordered, opts)).toBe(stateHash(finding, 'usr_1', same, opts));
    expect(
      stateHash(finding, 'usr_1', same, {
        deleteSnapshots: false,
        snapshotBeforeDelete: true,
      } as typeof opts),
    ).toBe(stateHash(finding, 'usr_1', same, opts));
  });

  it('changes with the actor, the observed state, a part and the options', () => {
    const base = stateHash(finding, 'usr_1', same, opts);
    expect(stateHash(finding, 'usr_2', same, opts)).not.toBe(base);
    expect(stateHash(finding, 'usr_1', { ...same, facts: { ...same.facts, attachments: 1 } }, opts)).not.toBe(
      base,
    );
    expect(stateHash(finding, 'usr_1', { ...same, tags: { ...same.tags, x: '' } }, opts)).not.toBe(base);
    expect(
      stateHash(
        finding,
        'usr_1',
        { ...same, parts: [{ id: 's', exists: true, unused: true, tags: {}, facts: {} }] },
        opts,
      ),
    ).not.toBe(base);
    expect(stateHash(finding, 'usr_1', same, { ...opts, snapshotBeforeDelete: false })).not.toBe(base);
    expect(stateHash({ ...finding, id: 'fnd_2' }, 'usr_1', same, opts)).not.toBe(base);
  });
});

describe('dryRunCheck', () => {
  it('passes only when AWS answered DryRunOperation, and names the part', () => {
    expect(dryRunCheck('ok')).toMatchObject({ name: 'aws_dry_run', status: 'pass' });
    expect(dryRunCheck('ok')).not.toHaveProperty('resource');
    expect(dryRunCheck('denied', 'snap-1')).toMatchObject({ status: 'fail', resource: 'snap-1' });
    expect(dryRunCheck('denied').message).toContain('does not grant');
    expect(dryRunCheck('unexpected').status).toBe('fail');
    expect(NO_DRY_RUN.status).toBe('skipped');
  });
});

describe('recheckRefusal', () => {
  const pass = (name: CleanupCheck['name']): CleanupCheck => ({ name, status: 'pass', message: '' });
  const fail = (name: CleanupCheck['name']): CleanupCheck => ({ name, status: 'fail', message: '' });
  const skip = (name: CleanupCheck['name']): CleanupCheck => ({ name, status: 'skipped', message: '' });

  it('lets the real run act only when every check passes and the state is the bound one', () => {
    expect(recheckRefusal([pass('resource_exists'), skip('resource_exists')], true)).toBeNull();
    expect(recheckRefusal([pass('resource_exists')], false)).toBe('changed');
    expect(recheckRefusal([fail('still_unused')], true)).toBe('changed');
    expect(recheckRefusal([fail('tags_unchanged')], true)).toBe('changed');
  });

  it('answers protection first, then tag conditions, whatever else failed', () => {
    expect(recheckRefusal([fail('still_unused'), fail('tag_conditions'), fail('not_protected')], false)).toBe(
      'protected',
    );
    expect(recheckRefusal([fail('still_unused'), fail('tag_conditions')], true)).toBe('tag_conditions');
  });
});

describe('dryRunOptions and optionsDiffer', () => {
  it('applies each option only to its kind of finding', () => {
    expect(dryRunOptions('ebs_volume_unattached', {}, true, false)).toEqual({
      snapshotBeforeDelete: true,
      deleteSnapshots: false,
    });
    expect(
      dryRunOptions(
        'ebs_volume_unattached',
        { snapshotBeforeDelete: false, deleteSnapshots: true },
        true,
        false,
      ),
    ).toEqual({
      snapshotBeforeDelete: false,
      deleteSnapshots: false,
    });
    expect(
      dryRunOptions('ami_unused', { snapshotBeforeDelete: true, deleteSnapshots: true }, true, false),
    ).toEqual({
      snapshotBeforeDelete: false,
      deleteSnapshots: true,
    });
    expect(dryRunOptions('ami_unused', {}, true, false).deleteSnapshots).toBe(false);
    // Only the snapshots of a deregistered AMI are left: deleting them is the clean-up.
    expect(dryRunOptions('ami_unused', { deleteSnapshots: false }, true, true).deleteSnapshots).toBe(true);
    expect(
      dryRunOptions('eip_unassociated', { snapshotBeforeDelete: true, deleteSnapshots: true }, true, true),
    ).toEqual({
      snapshotBeforeDelete: false,
      deleteSnapshots: false,
    });
  });

  it('refuses a real run that changes an option the dry run bound, and ignores options of other kinds', () => {
    const bound = { snapshotBeforeDelete: true, deleteSnapshots: false };
    expect(optionsDiffer('ebs_volume_unattached', {}, bound)).toBe(false);
    expect(optionsDiffer('ebs_volume_unattached', { snapshotBeforeDelete: true }, bound)).toBe(false);
    expect(optionsDiffer('ebs_volume_unattached', { snapshotBeforeDelete: false }, bound)).toBe(true);
    expect(optionsDiffer('ebs_volume_unattached', { deleteSnapshots: true }, bound)).toBe(false);
    expect(optionsDiffer('ami_unused', { deleteSnapshots: true }, bound)).toBe(true);
    expect(optionsDiffer('ami_unused', { snapshotBeforeDelete: false }, bound)).toBe(false);
  });
});
