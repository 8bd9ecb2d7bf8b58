import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertSessionPolicySize,
  roleSessionName,
  SESSION_NAME_PATTERN,
  SESSION_POLICY_MAX_CHARS,
  sessionPolicy,
  sourceIdentityFor,
} from '../../src/broker/session.ts';
import { systemActor } from '../../src/core/actor.ts';

const anyString = fc.string({ unit: 'binary', maxLength: 300 });

describe('RoleSessionName', () => {
  it('is always 2–64 characters of [\\w+=,.@-] and starts with rg., for any actor and request', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('user' as const, 'apiKey' as const),
        anyString,
        anyString,
        (type, id, requestId) => {
          const name = roleSessionName({ type, id, requestId });
          expect(name).toMatch(SESSION_NAME_PATTERN);
          expect(name.length).toBeLessThanOrEqual(64);
          expect(name.startsWith(type === 'user' ? 'rg.u.' : 'rg.k.')).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('names the actor and the request', () => {
    expect(roleSessionName({ type: 'user', id: 'usr_abc', requestId: 'req_123' })).toBe(
      'rg.u.usr_abc.req_123',
    );
    expect(roleSessionName({ type: 'apiKey', id: 'key/evil id', requestId: '' })).toBe(
      'rg.k.key-evil-id.none',
    );
    // Dots inside parts cannot forge extra separators.
    expect(roleSessionName({ type: 'user', id: 'a.b', requestId: 'c.d' })).toBe('rg.u.a-b.c-d');
  });
});

describe('system actors (scheduler, jobs, CLI)', () => {
  const component = fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/);

  it('have a session name and source identity within AWS rules, marked rg.s., for any component and request', () => {
    fc.assert(
      fc.property(component, anyString, (name, requestId) => {
        const actor = systemActor(name, requestId, 'org_x');
        const session = roleSessionName(actor);
        expect(session).toMatch(SESSION_NAME_PATTERN);
        expect(session.startsWith('rg.s.system-')).toBe(true);
        expect(sourceIdentityFor(actor)).toMatch(SESSION_NAME_PATTERN);
      }),
      { numRuns: 2000 },
    );
  });

  it('name the component and the job', () => {
    const reverify = systemActor('connections', 'sys-reverify-con_01jabcdefghjkmnpqrstvwxyz0', 'org_x');
    expect(roleSessionName(reverify)).toBe('rg.s.system-connections.sys-reverify-con_01jabcdef');
    expect(sourceIdentityFor(reverify)).toBe('system-connections');
    expect(roleSessionName(systemActor('scan-job', 'job:scn_01j'))).toBe('rg.s.system-scan-job.job-scn_01j');
  });

  it('refuses a component name outside the session-name alphabet', () => {
    expect(() => systemActor('Scan Job', 'r')).toThrow(/component/);
    expect(() => systemActor('a'.repeat(33), 'r')).toThrow(/component/);
  });
});

describe('SourceIdentity', () => {
  it('is always 2–64 characters of [\\w+=,.@-] and never starts with aws:', () => {
    fc.assert(
      fc.property(anyString, (id) => {
        const value = sourceIdentityFor({ id });
        expect(value).toMatch(SESSION_NAME_PATTERN);
        expect(value.toLowerCase().startsWith('aws:')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('is the actor id when that is already valid', () => {
    expect(sourceIdentityFor({ id: 'usr_01jabc' })).toBe('usr_01jabc');
    expect(sourceIdentityFor({ id: 'x' })).toBe('rg-x');
    expect(sourceIdentityFor({ id: 'aws:root' })).toBe('aws-root');
  });
});

describe('session policy', () => {
  it('packs within 2,048 characters or is refused', () => {
    const fits = sessionPolicy([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] },
    ]);
    expect(assertSessionPolicySize(fits)).toBe(JSON.stringify(fits));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), (n) => {
        const policy = {
          Version: '2012-10-17' as const,
          Statement: [
            {
              Effect: 'Allow' as const,
              Action: ['s3:GetObject'],
              Resource: [`arn:aws:s3:::${'x'.repeat(n)}`],
            },
          ],
        };
        const size = JSON.stringify(policy).length;
        if (size <= SESSION_POLICY_MAX_CHARS) expect(assertSessionPolicySize(policy)).toHaveLength(size);
        else expect(() => assertSessionPolicySize(policy)).toThrow(/too large/);
      }),
    );
  });

  it('refuses wildcard actions and empty statements', () => {
    for (const action of ['*', 's3:*', '*:*']) {
      expect(() => sessionPolicy([{ Effect: 'Allow', Action: [action], Resource: ['*'] }])).toThrow(
        /least-privilege/,
      );
    }
    expect(() => sessionPolicy([])).toThrow(/empty/);
    expect(() => sessionPolicy([{ Effect: 'Allow', Action: [], Resource: ['*'] }])).toThrow(/malformed/);
  });
});
