import { describe, expect, it } from 'vitest';
import { INITIAL_STATUS, nextStatus, type StatusEvent } from './status.ts';
import type { ConnectionStatus } from './types.ts';

const ALL: ConnectionStatus[] = ['pending', 'verified', 'unsafe', 'failed', 'disabled', 'expired'];
const verification = (
  outcome: 'verified' | 'unsafe' | 'failed',
  periodic: boolean,
  failedCodes: (string | undefined)[] = [],
): StatusEvent => ({ type: 'verification', outcome, periodic, failedCodes });

describe('nextStatus', () => {
  it('starts pending', () => {
    expect(INITIAL_STATUS).toBe('pending');
  });

  describe('verification', () => {
    for (const current of ALL) {
      for (const periodic of [false, true]) {
        const who = periodic ? 'the scheduler' : 'a user';
        it(`${current} -> verified when ${who} verifies it`, () => {
          expect(nextStatus(current, verification('verified', periodic))).toBe('verified');
        });
        it(`${current} -> ${periodic ? 'disabled' : 'unsafe'} when ${who} finds it unsafe`, () => {
          expect(nextStatus(current, verification('unsafe', periodic, ['external_id_not_enforced']))).toBe(
            periodic ? 'disabled' : 'unsafe',
          );
        });
      }
    }

    it('keeps a verified connection verified while only the external-ID rotation is pending', () => {
      for (const periodic of [false, true])
        expect(
          nextStatus('verified', verification('failed', periodic, ['external_id_rotation_pending'])),
        ).toBe('verified');
    });

    it('keeps a verified connection through transient AWS errors only on the periodic run', () => {
      for (const codes of [['aws_throttled'], ['aws_unavailable'], ['aws_throttled', 'aws_unavailable']]) {
        expect(nextStatus('verified', verification('failed', true, codes))).toBe('verified');
        expect(nextStatus('verified', verification('failed', false, codes))).toBe('failed');
      }
    });

    it('fails a verified connection on any real failure, even mixed with tolerated ones', () => {
      for (const periodic of [false, true]) {
        expect(nextStatus('verified', verification('failed', periodic, ['aws_access_denied']))).toBe(
          'failed',
        );
        expect(
          nextStatus(
            'verified',
            verification('failed', periodic, ['external_id_rotation_pending', 'aws_access_denied']),
          ),
        ).toBe('failed');
        expect(nextStatus('verified', verification('failed', periodic, [undefined]))).toBe('failed');
      }
      // Rotation pending and a transient error together are neither "only rotation" nor "only transient".
      expect(
        nextStatus(
          'verified',
          verification('failed', true, ['external_id_rotation_pending', 'aws_throttled']),
        ),
      ).toBe('failed');
    });

    it('fails every connection that was not verified, whatever the failed checks', () => {
      for (const current of ALL.filter((s) => s !== 'verified'))
        for (const periodic of [false, true])
          for (const codes of [
            [],
            ['external_id_rotation_pending'],
            ['aws_throttled'],
            ['aws_access_denied'],
          ])
            expect(nextStatus(current, verification('failed', periodic, codes))).toBe('failed');
    });
  });

  describe('reconfigured', () => {
    it('sends every status back to pending', () => {
      for (const current of ALL) expect(nextStatus(current, { type: 'reconfigured' })).toBe('pending');
    });
  });

  describe('clock', () => {
    const now = new Date('2026-01-02T00:00:00Z');
    const before = new Date(now.getTime() - 1);
    const after = new Date(now.getTime() + 1);

    it('expires a pending connection at and after its deadline, not before', () => {
      expect(nextStatus('pending', { type: 'clock', expiresAt: before, now })).toBe('expired');
      expect(nextStatus('pending', { type: 'clock', expiresAt: now, now })).toBe('expired');
      expect(nextStatus('pending', { type: 'clock', expiresAt: after, now })).toBe('pending');
      expect(nextStatus('pending', { type: 'clock', expiresAt: null, now })).toBe('pending');
    });

    it('leaves every other status as it is', () => {
      for (const current of ALL.filter((s) => s !== 'pending'))
        for (const expiresAt of [before, now, after, null])
          expect(nextStatus(current, { type: 'clock', expiresAt, now })).toBe(current);
    });
  });
});
