import { type FormEvent, useState } from 'react';
import { api, type Me } from '../api.ts';
import { CopyButton, ErrorBox } from '../ui.tsx';

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
          <label>
            Current 6-digit code
            <input
              required
              value={code}
              onChange={(e) => setCode(e.target.value)}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={32}
            />
          </label>
          <button type="submit" disabled={busy}>
            Turn on
          </button>
        </form>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
