/** Time as a dependency, so expiry, lockouts and caches are testable with fake time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
