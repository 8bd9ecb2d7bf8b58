import { type FormEvent, useState } from 'react';
import { api, type Me } from '../api.ts';
import { CodeField, CopyButton, ErrorBox, PasswordField } from '../ui.tsx';
import { AgentGrants } from './AgentGrants.tsx';
import { SignInHistory } from './SignInHistory.tsx';

interface Setup {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

export function SecurityView({ me, onChanged }: { me: Me; onChanged: () => void }) {
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState('');
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      setSetup(await api<Setup>('POST', '/v1/auth/mfa/setup'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function enable(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ backupCodes: string[] }>('POST', '/v1/auth/mfa/enable', { code: code.trim() });
      setBackupCodes(res.backupCodes);
      setSetup(null);
      setCode('');
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="security-h">
      <h2 id="security-h">Security</h2>
      <p>
        Signed in as <strong>{me.user.email}</strong>. Two-factor authentication is{' '}
        <strong data-testid="mfa-status">{me.user.mfaEnabled ? 'on' : 'off'}</strong>.
      </p>
      {backupCodes !== null && (
        <div className="card notice" role="status">
          <h3>Backup codes (shown once)</h3>
          <p>Store these somewhere safe. Each one signs you in once if you lose your authenticator.</p>
          <ul className="codes" data-testid="backup-codes">
            {backupCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <CopyButton text={backupCodes.join('\n')} label="Copy backup codes" />{' '}
          <button type="button" className="secondary small" onClick={() => setBackupCodes(null)}>
            I have saved them
          </button>
        </div>
      )}
      {!me.user.mfaEnabled && setup === null && (
        <button type="button" onClick={start} disabled={busy}>
          Enable two-factor authentication
        </button>
      )}
      {setup !== null && (
        <form className="card" onSubmit={enable} aria-label="Confirm two-factor authentication">
          <h3>Scan this code with your authenticator app</h3>
          <img src={setup.qrCodeDataUrl} alt="QR code of the TOTP secret" width={200} height={200} />
          <p>
            Or enter the secret by hand: <code data-testid="totp-secret">{setup.secret}</code>{' '}
            <CopyButton text={setup.secret} label="Copy secret" />
          </p>
          <CodeField label="Current 6-digit code" value={code} onChange={setCode} backupCodes={false} />
          <button type="submit" disabled={busy}>
            Turn on
          </button>
        </form>
      )}
      {me.user.mfaEnabled && <DisableMfa onChanged={onChanged} />}
      <ErrorBox error={error} />
      <ChangePassword />
      <SignInHistory />
      <AgentGrants />
    </section>
  );
}

/** Turning TOTP off asks for a current code (or a backup code), exactly as the API does. */
function DisableMfa({ onChanged }: { onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function disable(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/v1/auth/mfa/disable', { code: code.trim() });
      setCode('');
      setOpen(false);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Turn off two-factor authentication
      </button>
    );
  }
  return (
    <form className="card" onSubmit={disable} aria-label="Turn off two-factor authentication">
      <h3>Turn off two-factor authentication</h3>
      <p>Your account will be protected by the password alone. Confirm with a code.</p>
      <CodeField label="Current 6-digit code or a backup code" value={code} onChange={setCode} backupCodes />
      <button type="submit" className="danger" disabled={busy}>
        Turn off
      </button>{' '}
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setOpen(false);
          setCode('');
          setError(null);
        }}
      >
        Cancel
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

/** The server checks the current password and the password policy; other sessions are signed out. */
function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function change(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (next !== confirm) {
      setError(new Error('The new passwords do not match.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/v1/auth/password', { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={change} aria-label="Change password">
      <h3>Change password</h3>
      <PasswordField label="Current password" value={current} onChange={setCurrent} purpose="current" />
      <PasswordField label="New password" value={next} onChange={setNext} purpose="new" />
      <PasswordField label="Repeat the new password" value={confirm} onChange={setConfirm} purpose="new" />
      <button type="submit" disabled={busy}>
        Change password
      </button>
      {done && (
        <p className="notice" role="status" data-testid="password-changed">
          Password changed. Your other sessions were signed out.
        </p>
      )}
      <ErrorBox error={error} />
    </form>
  );
}
