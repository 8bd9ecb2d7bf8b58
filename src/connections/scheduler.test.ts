import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConnectionScheduler } from './scheduler.ts';
import type { ConnectionService } from './service.ts';

function fakeService() {
  const calls = { expire: 0, rotations: 0, reverify: [] as Date[] };
  const service = {
    async expirePending() {
      calls.expire += 1;
      return 0;
    },
    async expireRotations() {
      calls.rotations += 1;
      return 0;
    },
    async reverifyDue(before: Date) {
      calls.reverify.push(before);
      await new Promise<void>((resolve) => setTimeout(resolve, 10));
      return { checked: 1, disabled: 0 };
    },
  } satisfies Pick<ConnectionService, 'expirePending' | 'expireRotations' | 'reverifyDue'>;
  return { service, calls };
}

const logger = { info: () => {}, error: () => {} };
const clock = { now: () => new Date('2026-01-02T00:00:00Z') };

afterEach(() => {
  vi.useRealTimers();
});

describe('connection scheduler', () => {
  it('runs one pass at a time and re-verifies what is older than one interval', async () => {
    const f = fakeService();
    const s = createConnectionScheduler({ service: f.service, clock, intervalSeconds: 86400, logger });
    const [a, b] = await Promise.all([s.runOnce(), s.runOnce()]);
    expect(a).toEqual(b);
    expect(f.calls.expire).toBe(1);
    expect(f.calls.rotations).toBe(1);
    expect(f.calls.reverify).toEqual([new Date('2026-01-01T00:00:00Z')]);
  });

  it('fires on an unref’d, jittered timer and stops cleanly; interval 0 disables it', async () => {
    vi.useFakeTimers();
    const f = fakeService();
    const s = createConnectionScheduler({
      service: f.service,
      clock,
      intervalSeconds: 600,
      logger,
      random: () => 0.5,
    });
    s.start();
    // base = interval / 10 = 60 s, jitter 10 % × 0.5 → 63 s
    await vi.advanceTimersByTimeAsync(62_000);
    expect(f.calls.expire).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(f.calls.expire).toBe(1);
    await s.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(f.calls.expire).toBe(1);

    const off = fakeService();
    const disabled = createConnectionScheduler({ service: off.service, clock, intervalSeconds: 0, logger });
    disabled.start();
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(off.calls.expire).toBe(0);
    await disabled.stop();
  });
});
