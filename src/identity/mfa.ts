import { renderSVG } from 'uqr';
import type { Clock } from '../clock.ts';
import type { Actor } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { bindingFor } from '../crypto/encrypted-columns.ts';
import { decryptField, encryptField, type Keyring } from '../crypto/field-encryption.ts';
import type { Attempt, Attempts } from './attempts.ts';
import { contextOf, type RecordEvent, requireUser } from './request-context.ts';
import type { IdentityStore, UserRow } from './store.ts';
import {
  backupCodeHash,
  generateBackupCodes,
  generateTotpSecret,
  isTotpCodeShape,
  matchTotpStep,
  normaliseBackupCode,
  otpauthUri,
} from './totp.ts';

/** TOTP second factor: setup, enable, disable, backup codes, and checking a code during an attempt. */
export interface MfaDeps {
  store: IdentityStore;
  record: RecordEvent;
  clock: Clock;
  keyring: Keyring;
  attempts: Attempts;
}

const totpBinding = (userId: string) => bindingFor('users', 'totp_secret', userId, userId);

export function createMfa(deps: MfaDeps) {
  const { store, record, clock, keyring, attempts } = deps;

  /**
   * Checks a TOTP code (single use via compare-and-set on the step) or a backup code (single use).
   * `replayed`: a right code whose step was already accepted — a refusal, told apart for its message.
   */
  async function verifySecondFactor(
    user: UserRow,
    code: string,
  ): Promise<'totp' | 'backup' | 'replayed' | null> {
    if (user.totpSecret === null) return null;
    const now = clock.now();
    if (isTotpCodeShape(code)) {
      const secret = decryptField(keyring, user.totpSecret, totpBinding(user.id));
      const step = matchTotpStep(secret, code, now.getTime());
      if (step === null) return null;
      return (await store.acceptTotpStep(store.db, user.id, step)) ? 'totp' : 'replayed';
    }
    const backup = normaliseBackupCode(code);
    if (backup === null || user.totpEnabledAt === null) return null;
    return (await store.consumeBackupCode(store.db, user.id, backupCodeHash(user.id, backup), now))
      ? 'backup'
      : null;
  }

  return {
    /**
     * When the user has MFA on, the second step of an attempt: a missing code asks for one, a wrong
     * one fails the attempt under `action`.
     */
    async requireSecondFactor(
      user: UserRow,
      code: string | undefined,
      attempt: Attempt,
      action: string,
    ): Promise<void> {
      if (user.totpEnabledAt === null) return;
      if (code === undefined || code.length === 0) throw new AppError(ErrorCode.MFA_REQUIRED);
      const verified = await verifySecondFactor(user, code);
      if (verified === null || verified === 'replayed')
        await attempt.fail({
          userId: user.id,
          action,
          reason: verified === null ? 'mfa_invalid' : 'mfa_replayed',
        });
    },

    async setup(actor: Actor): Promise<{ secret: string; otpauthUri: string; qrCodeDataUrl: string }> {
      const user = await requireUser(store, actor);
      if (user.totpEnabledAt !== null) throw new AppError(ErrorCode.CONFLICT, 'MFA is already enabled.');
      const secret = generateTotpSecret();
      const encrypted = encryptField(keyring, secret, totpBinding(user.id));
      const ok = await store.transaction(async (tx) => {
        if (!(await store.setPendingTotpSecret(tx, user.id, encrypted))) return false;
        await record(tx, contextOf(actor), {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.mfa.setup',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
        });
        return true;
      });
      if (!ok) throw new AppError(ErrorCode.CONFLICT, 'MFA is already enabled.');
      const uri = otpauthUri(secret, user.email);
      // An SVG (dependency-free encoder) rather than a PNG: crisp at any size, and served as a
      // data: URL, which the console's CSP allows for images.
      const svg = renderSVG(uri, { ecc: 'M', border: 1 });
      const qrCodeDataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      return { secret, otpauthUri: uri, qrCodeDataUrl };
    },

    async enable(actor: Actor, code: string): Promise<{ backupCodes: string[] }> {
      const user = await requireUser(store, actor);
      if (user.totpEnabledAt !== null) throw new AppError(ErrorCode.CONFLICT, 'MFA is already enabled.');
      if (user.totpSecret === null) throw new AppError(ErrorCode.CONFLICT, 'Start MFA setup first.');
      const ctx = contextOf(actor);
      const attempt = await attempts.begin(user.email, ctx);
      // Only an authenticator code proves the secret was saved; backup codes do not exist yet.
      if (!isTotpCodeShape(code) || (await verifySecondFactor(user, code)) !== 'totp')
        await attempt.fail({ userId: user.id, action: 'auth.mfa.enabled', reason: 'mfa_invalid' });
      await attempt.succeeded();
      const backupCodes = generateBackupCodes();
      const ok = await store.transaction(async (tx) => {
        const now = clock.now();
        if (!(await store.enableTotp(tx, user.id, now))) return false;
        await store.replaceBackupCodes(
          tx,
          user.id,
          backupCodes.map((c) => backupCodeHash(user.id, normaliseBackupCode(c)!)),
          now,
        );
        await record(tx, ctx, {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.mfa.enabled',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
        });
        return true;
      });
      if (!ok) throw new AppError(ErrorCode.CONFLICT, 'MFA is already enabled.');
      return { backupCodes };
    },

    async disable(actor: Actor, code: string): Promise<void> {
      const user = await requireUser(store, actor);
      if (user.totpEnabledAt === null) throw new AppError(ErrorCode.CONFLICT, 'MFA is not enabled.');
      const ctx = contextOf(actor);
      const attempt = await attempts.begin(user.email, ctx);
      const verified = await verifySecondFactor(user, code);
      if (verified === null || verified === 'replayed')
        await attempt.fail({
          userId: user.id,
          action: 'auth.mfa.disabled',
          reason: verified === null ? 'mfa_invalid' : 'mfa_replayed',
        });
      await attempt.succeeded();
      await store.transaction(async (tx) => {
        await store.disableTotp(tx, user.id);
        await record(tx, ctx, {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.mfa.disabled',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
        });
      });
    },
  };
}
