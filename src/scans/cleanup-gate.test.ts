import { describe, expect, it } from 'vitest';
import { systemActor } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { type CleanupDeps, createCleanupService } from './cleanup.ts';

/** Every dependency refuses to be reached: the refusal must come first. */
const unreachable = new Proxy(
  {},
  {
    get() {
      throw new Error('must not be reached');
    },
  },
);

describe('approvals review 5: clean-up without a role', () => {
  it('refuses an actor without a role instead of skipping the approval gate', async () => {
    const service = createCleanupService({
      store: unreachable,
      resolver: unreachable,
      broker: unreachable,
      clients: unreachable,
      audit: unreachable,
      clock: { now: () => new Date() },
      approvals: unreachable,
      snapshotBeforeDeleteDefault: false,
    } as unknown as CleanupDeps);
    const actor = { ...systemActor('test', 'req-1'), orgId: 'org_x' };
    const err = await service
      .run(actor, 'fnd_x', { dryRun: false, confirm: 'token' } as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.FORBIDDEN);
  });
});
