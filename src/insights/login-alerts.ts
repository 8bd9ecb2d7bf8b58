import type { DbOrTx } from '../db/client.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import { networkOf } from './service.ts';
import { latestLogin, priorLogins } from './store.ts';

export interface NewIpLoginCheck {
  /** The user had logged in before, never from this IP. */
  newIp: boolean;
  /** … and never from this network either (/24 IPv4, /48 IPv6). */
  newNetwork: boolean;
  /** No earlier successful login: nothing to compare with, so no alert. */
  firstLogin: boolean;
}

/**
 * Whether a login of `userId` from `ip` is from a new IP for that user. Call it AFTER the
 * `auth.login` success record has committed: the most recent successful login of the user is taken
 * to be the one being checked and is compared with all earlier ones.
 */
export async function checkNewIpLogin(db: DbOrTx, userId: string, ip: string): Promise<NewIpLoginCheck> {
  const current = await latestLogin(db, userId);
  const prior = await priorLogins(db, userId, ip, {
    at: current?.at ?? new Date(8.64e15),
    excludeId: current?.id ?? null,
  });
  if (prior.total === 0) return { newIp: false, newNetwork: false, firstLogin: true };
  const newIp = prior.fromIp === 0;
  const network = networkOf(ip);
  return { newIp, newNetwork: newIp && !prior.ips.some((p) => networkOf(p) === network), firstLogin: false };
}

export interface LoginAlerts {
  /** Fire and forget: checks the login and sends `login.new_ip` to the webhook; never throws, never blocks. */
  afterLogin(userId: string, ip: string): void;
}

export function createLoginAlerts(deps: {
  db: DbOrTx;
  notifier: Pick<WebhookOutbox, 'notify'>;
  logger: { warn(obj: object, msg: string): void };
}): LoginAlerts {
  return {
    afterLogin(userId, ip) {
      checkNewIpLogin(deps.db, userId, ip).then(
        (check) => {
          if (!check.newIp) return;
          deps.notifier.notify({
            type: 'login.new_ip',
            orgId: null,
            data: { userId, ip, newNetwork: check.newNetwork },
          });
        },
        (err: unknown) => {
          deps.logger.warn(
            { err: { message: err instanceof Error ? err.message : 'error' } },
            'new-IP login check failed',
          );
        },
      );
    },
  };
}
