import { describe, expect, it } from 'vitest';
import { principal } from '../src/views/audit/names.ts';
import { actionWords, outcomeLabel } from '../src/views/audit/words.ts';

/** The audit view's words (web/src/views/audit/): a dry run must never read like a deletion. */
describe('audit view words', () => {
  const rec = (action: string, outcome: string, details: Record<string, unknown> = {}) => ({
    action,
    outcome,
    details,
  });

  it('says a clean-up dry run deleted nothing, whatever its outcome, and a real one "Deleted" only on success', () => {
    for (const outcome of ['attempt', 'success', 'failure', 'denied', 'error']) {
      const label = outcomeLabel(rec('aws.cleanup.delete_volume', outcome, { dryRun: true }));
      expect(label.text).toMatch(/nothing deleted$/);
      expect(label.className).toBe('badge-dry-run');
    }
    expect(outcomeLabel(rec('aws.cleanup.delete_volume', 'success', { dryRun: false }))).toEqual({
      text: 'Deleted',
      className: 'badge-deleted',
    });
    expect(outcomeLabel(rec('finding.cleaned', 'success'))).toEqual({
      text: 'Deleted',
      className: 'badge-deleted',
    });
    expect(outcomeLabel(rec('aws.cleanup.delete_volume', 'failure', { dryRun: false })).text).toBe(
      'Deletion failed',
    );
    expect(outcomeLabel(rec('aws.cleanup.delete_volume', 'attempt', { dryRun: false })).text).toBe(
      'Deletion started',
    );
    // The read-only checks before a clean-up are neither.
    expect(outcomeLabel(rec('aws.cleanup.delete_volume.check', 'success'))).toEqual({
      text: 'Succeeded',
      className: 'badge-success',
    });
    // A "dryRun" detail outside clean-up means nothing here.
    expect(outcomeLabel(rec('connection.created', 'success', { dryRun: true })).text).toBe('Succeeded');
  });

  it('puts actions into words, known or not', () => {
    expect(actionWords('auth.login')).toBe('Sign-in');
    expect(actionWords('aws.s3.list_buckets')).toBe('AWS S3: list buckets');
    expect(actionWords('aws.cleanup.release_address')).toBe('Clean-up: release Elastic IP');
    expect(actionWords('aws.cleanup.delete_volume.recheck')).toBe(
      'Clean-up re-check before: delete EBS volume',
    );
    expect(actionWords('something.new_here')).toBe('Something new here');
  });

  it('shows an erased user as such and never invents a name for an unresolved id', () => {
    const display = { actors: {}, connections: {} };
    expect(principal('user', null, display)).toEqual({ primary: 'Erased user', secondary: null });
    expect(principal('user', 'usr_x', display)).toEqual({
      primary: 'User not in this organisation',
      secondary: 'usr_x',
    });
    const withKey = {
      actors: {
        key_1: {
          kind: 'apiKey' as const,
          status: 'revoked' as const,
          name: 'ci',
          email: null,
          onBehalfOf: null,
        },
      },
      connections: {},
    };
    expect(principal('apiKey', 'key_1', withKey)).toEqual({
      primary: 'API key “ci” (revoked)',
      secondary: 'created by an erased user',
    });
  });
});
