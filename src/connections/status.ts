import type { ConnectionStatus } from './types.ts';

/**
 * A connection's life cycle in one pure function: every place that changes or reports a status
 * asks `nextStatus`, so the rules (which failures keep a verified connection usable, when an unsafe
 * one is disabled, when a pending one expires) are written once and tested exhaustively beside it.
 */

/** What a new connection starts as: waiting for the customer to create the role and verify it. */
export const INITIAL_STATUS: ConnectionStatus = 'pending';

/** Failed checks that do not make a verified connection unusable on their own. */
const ROTATION_PENDING = 'external_id_rotation_pending';
const TRANSIENT = new Set<string | undefined>(['aws_throttled', 'aws_unavailable']);

export type StatusEvent =
  /**
   * A verification finished with `outcome`; `failedCodes` are the codes of its failed checks.
   * `periodic`: the scheduler's re-verification, as opposed to a user asking for it.
   */
  | {
      type: 'verification';
      outcome: 'verified' | 'unsafe' | 'failed';
      failedCodes: readonly (string | undefined)[];
      periodic: boolean;
    }
  /** The role ARN or the capabilities changed: what was verified no longer describes the connection. */
  | { type: 'reconfigured' }
  /** Time passed: `expiresAt` is the row's pending deadline (null: none). */
  | { type: 'clock'; expiresAt: Date | null; now: Date };

export function nextStatus(current: ConnectionStatus, event: StatusEvent): ConnectionStatus {
  switch (event.type) {
    case 'reconfigured':
      return 'pending';
    case 'clock':
      return current === 'pending' &&
        event.expiresAt !== null &&
        event.expiresAt.getTime() <= event.now.getTime()
        ? 'expired'
        : current;
    case 'verification': {
      // A connection that was in use and turned unsafe is switched off at once.
      if (event.outcome === 'unsafe') return event.periodic ? 'disabled' : 'unsafe';
      if (event.outcome === 'verified') return 'verified';
      // Still usable with the previous external ID, or through a transient AWS hiccup the scheduler
      // will retry; a user who asks sees the failure.
      const onlyRotationPending = event.failedCodes.every((c) => c === ROTATION_PENDING);
      const transient = event.failedCodes.every((c) => TRANSIENT.has(c));
      if (current === 'verified' && (onlyRotationPending || (event.periodic && transient))) return 'verified';
      return 'failed';
    }
  }
}
