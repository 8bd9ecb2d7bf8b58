import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type RefObject, useEffect, useRef, useState } from 'react';
import { api, type Me } from '../api.ts';
import { MutationError } from '../query.tsx';
import { CodeField, CopyButton, ErrorBox, focusSoon, PasswordField, ViewHeading } from '../ui.tsx';
import { AgentGrants } from './AgentGrants.tsx';
import { SignInHistory } from './SignInHistory.tsx';

interface Setup {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

export function SecurityView({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const codesHeading = useRef<HTMLHeadingElement>(null);
  const afterCodes = useRef<HTMLButtonElement>(null);
  // /v1/me says whether MFA is on: the page and the sidebar follow it.
  const meChanged = () => queryClient.invalidateQueries({ queryKey: ['me'], exact: true });

  useEffect(() => {
    if (backupCodes !== null) codesHeading.current?.focus();
  }, [backupCodes]);

  const setup = useMutation({
    mutationFn: () => api<Setup>('POST', '/v1/auth/mfa/setup'),
  });
  const enable = useMutation({
    mutationFn: () => api<{ backupCodes: string[] }>('POST', '/v1/auth/mfa/enable', { code: code.trim() }),
    onSuccess: (res) => {
      setBackupCodes(res.backupCodes);
      setup.reset();
      setCode('');
      return meChanged();
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    enable.mutate();
  }

  return (
    <section aria-labelledby="security-h">
      <ViewHeading id="security-h">Security</ViewHeading>
      <p>
        Signed in as <strong>{me.user.email}</strong>. Two-factor authentication is{' '}
        <strong data-testid="mfa-status">{me.user.mfaEnabled ? 'on' : 'off'}</strong>.
      </p>
      {backupCodes !== null && (
        <div className="card notice" role="status">
          <h3 ref={codesHeading} tabIndex={-1}>
            Backup codes (shown once)
          </h3>
          <p>Store these somewhere safe. Each one signs you in once if you lose your authenticator.</p>
          <ul className="codes" data-testid="backup-codes">
            {backupCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <CopyButton text={backupCodes.join('\n')} label="Copy backup codes" />{' '}
          <button
            type="button"
            className="secondary small"
            onClick={() => {
              setBackupCodes(null);
              // The control that opened the panel ("Turn on") is gone with the set-up form; the
              // MFA control in its place takes focus.
              focusSoon(afterCodes);
            }}
          >
            I have saved them
          </button>
        </div>
      )}
      {!me.user.mfaEnabled && setup.data === undefined && (
        <button type="button" onClick={() => setup.mutate()} disabled={setup.isPending}>
          Enable two-factor authentication
        </button>
      )}
      <MutationError mutation={setup} />
      {setup.data !== undefined && (
        <form className="card" onSubmit={submit} aria-label="Confirm two-factor authentication">
          <h3>Scan this code with your authenticator app</h3>
          <img src={setup.data.qrCodeDataUrl} alt="QR code of the TOTP secret" width={200} height={200} />
          <p>
            Or enter the secret by hand: <code data-testid="totp-secret">{setup.data.secret}</code>{' '}
            <CopyButton text={setup.data.secret} label="Copy secret" />
          </p>
          <CodeField label="Current 6-digit code" value={code} onChange={setCode} backupCodes={false} />
          <button type="submit" disabled={enable.isPending}>
            Turn on
          </button>
          <MutationError mutation={enable} />
        </form>
      )}
      {me.user.mfaEnabled && <DisableMfa onChanged={meChanged} openerRef={afterCodes} />}
      <ChangePassword />
      <SignInHistory />
      <AgentGrants />
    </section>
  );
}

/** Turning TOTP off asks for a current code (or a backup code), exactly as the API does. */
function DisableMfa({
  onChanged,
  openerRef,
}: {
  onChanged: () => Promise<void>;
  openerRef: RefObject<HTMLButtonElement | null>;
}) {
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState('');
  const disable = useMutation({
    mutationFn: () => api('POST', '/v1/auth/mfa/disable', { code: code.trim() }),
    onSuccess: () => {
      setCode('');
      setOpen(false);
      return onChanged();
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    disable.mutate();
  }

  if (!open) {
    return (
      <button type="button" ref={openerRef} className="secondary" onClick={() => setOpen(true)}>
        Turn off two-factor authentication
      </button>
    );
  }
  return (
    <form className="card" onSubmit={submit} aria-label="Turn off two-factor authentication">
      <h3>Turn off two-factor authentication</h3>
      <p>Your account will be protected by the password alone. Confirm with a code.</p>
      <CodeField label="Current 6-digit code or a backup code" value={code} onChange={setCode} backupCodes />
      <button type="submit" className="danger" disabled={disable.isPending}>
        Turn off
      </button>{' '}
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setOpen(false);
          setCode('');
          disable.reset();
          focusSoon(openerRef);
        }}
      >
        Cancel
      </button>
      <MutationError mutation={disable} />
    </form>
  );
}

/** The server checks the current password and the password policy; other sessions are signed out. */
function ChangePassword() {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  // A typing mistake found before any request: not a server error.
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: () => api('POST', '/v1/auth/password', { currentPassword: current, newPassword: next }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setConfirm('');
      // The other sessions were signed out: the list of sessions changed.
      return queryClient.invalidateQueries({ queryKey: ['me', 'sessions'] });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (next !== confirm) {
      change.reset();
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate();
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Change password">
      <h3>Change password</h3>
      <PasswordField label="Current password" value={current} onChange={setCurrent} purpose="current" />
      <PasswordField label="New password" value={next} onChange={setNext} purpose="new" />
      <PasswordField label="Repeat the new password" value={confirm} onChange={setConfirm} purpose="new" />
      <button type="submit" disabled={change.isPending}>
        Change password
      </button>
      {change.isSuccess && (
        <p className="notice" role="status" data-testid="password-changed">
          Password changed. Your other sessions were signed out.
        </p>
      )}
      <ErrorBox error={mismatch ? new Error('The new passwords do not match.') : null} />
      <MutationError mutation={change} />
    </form>
  );
}
