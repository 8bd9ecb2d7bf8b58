import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.ts';
import { createLayeredStsBudget, createStsBudget } from './budget.ts';

function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

describe('per-organisation STS budget', () => {
  it('allows a burst, then refuses with a retry time, and refills', () => {
    const clock = manualClock();
    const budget = createStsBudget({ perMinute: 60, burst: 2 }, clock);
    expect(budget.take('org_a')).toEqual({ allowed: true });
    expect(budget.take('org_a')).toEqual({ allowed: true });
    expect(budget.take('org_a')).toEqual({ allowed: false, retryAfterSeconds: 1, scope: 'organization' });
    expect(budget.take('org_b')).toEqual({ allowed: true });
    clock.advance(1_000);
    expect(budget.take('org_a')).toEqual({ allowed: true });
  });
});

describe('deployment-wide STS budget (issue 14.9)', () => {
  it('refuses once exhausted across organisations, each of which still has budget left', () => {
    const clock = manualClock();
    const budget = createLayeredStsBudget(
      { perOrganization: { perMinute: 120, burst: 60 }, deployment: { perMinute: 6, burst: 3 } },
      clock,
    );
    for (const org of ['org_a', 'org_b', 'org_c']) expect(budget.take(org).allowed).toBe(true);
    const refused = budget.take('org_d');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 10, scope: 'deployment' });
    // Any organisation, fresh or not: the deployment's bucket is what is empty.
    expect(budget.take('org_a')).toMatchObject({ allowed: false, scope: 'deployment' });
    clock.advance(10_000);
    expect(budget.take('org_d')).toEqual({ allowed: true });
  });

  it('a refusal by the deployment does not spend the organisation’s token', () => {
    const clock = manualClock();
    const budget = createLayeredStsBudget(
      { perOrganization: { perMinute: 1, burst: 2 }, deployment: { perMinute: 60, burst: 1 } },
      clock,
    );
    expect(budget.take('org_a').allowed).toBe(true); // org_a: 1 left; deployment: 0 left
    for (let i = 0; i < 5; i++) expect(budget.take('org_a')).toMatchObject({ scope: 'deployment' });
    clock.advance(1_000); // the deployment refills one token; org_a refills almost nothing
    expect(budget.take('org_a').allowed).toBe(true);
    clock.advance(1_000);
    expect(budget.take('org_a')).toMatchObject({ allowed: false, scope: 'organization' });
  });

  it('the organisation’s own budget still applies under a generous deployment budget', () => {
    const budget = createLayeredStsBudget(
      { perOrganization: { perMinute: 1, burst: 1 }, deployment: { perMinute: 6_000, burst: 1_000 } },
      manualClock(),
    );
    expect(budget.take('org_a').allowed).toBe(true);
    expect(budget.take('org_a')).toMatchObject({ allowed: false, scope: 'organization' });
    expect(budget.take('org_b').allowed).toBe(true);
  });
});
