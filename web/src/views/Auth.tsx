import { type FormEvent, useState } from 'react';
import { ApiError, api, login } from '../api.ts';
import { leaveInvitation } from '../invite.ts';
import { CodeField, ErrorBox, PasswordField } from '../ui.tsx';

export function AuthScreen({
  onSignedIn,
  invitationToken = null,
}: {
  onSignedIn: () => void;
  /** From an invitation link: sign-up joins that organisation (no organisation of one's own). */
  invitationToken?: string | null;
}) {
  const [mode, setMode] = useState<'login' | 'signup'>(invitationToken === null ? 'login' : 'signup');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [orgName, setOrgName] = useState('');
  const [totp, setTotp] = useState('');
  const [needMfa, setNeedMfa] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'signup') {
        await api('POST', '/v1/auth/signup', {
          email,
          password,
          ...(name.trim() === '' ? {} : { name }),
          ...(invitationToken !== null
            ? { invitationToken }
            : orgName.trim() === ''
              ? {}
              : { organizationName: orgName }),
        });
      }
      await login(email, password, needMfa ? totp.trim() : undefined);
      // Signed up through the link: the invitation is accepted already. Logged in instead: the
      // console offers to accept it next (App.tsx).
      if (mode === 'signup' && invitationToken !== null) leaveInvitation();
      onSignedIn();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'mfa_required') {
        setNeedMfa(true);
        setMode('login');
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <h1>Rolegate</h1>
      <p className="muted">Keyless, least-privilege, audited access to your customers' AWS accounts.</p>
      <form className="card" onSubmit={submit} aria-label={mode === 'login' ? 'Log in' : 'Sign up'}>
        <h2>{needMfa ? 'Two-factor authentication' : mode === 'login' ? 'Log in' : 'Create an account'}</h2>
        {!needMfa && (
          <>
            {mode === 'signup' && (
              <label>
                Name (optional)
                <input
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  autoComplete="name"
                  maxLength={200}
                />
              </label>
            )}
            {invitationToken !== null && (
              <p className="notice" data-testid="invitation-notice">
                You were invited to join an organisation. Sign up with the email address the invitation was
                sent to, or log in if you already have an account.
              </p>
            )}
            {mode === 'signup' && invitationToken === null && (
              <label>
                Organisation name (optional)
                <input
                  value={orgName}
                  onChange={(e) => setOrgName(e.target.value)}
                  autoComplete="organization"
                  maxLength={200}
                  placeholder="e.g. Acme Ltd"
                />
              </label>
            )}
            <label>
              Email
              <input
                type="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                autoComplete="email"
                maxLength={320}
              />
            </label>
            <PasswordField
              label="Password"
              value={password}
              onChange={setPassword}
              purpose={mode === 'signup' ? 'new' : 'current'}
            />
            {mode === 'signup' && (
              <p className="muted small">At least 12 characters; a passphrase works well.</p>
            )}
          </>
        )}
        {needMfa && (
          <CodeField
            label="Code from your authenticator app (or a backup code)"
            value={totp}
            onChange={setTotp}
            backupCodes
            autoFocus
          />
        )}
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Working…' : needMfa ? 'Verify' : mode === 'login' ? 'Log in' : 'Sign up'}
        </button>
        {!needMfa && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(mode === 'login' ? 'signup' : 'login');
              setError(null);
            }}
          >
            {mode === 'login' ? 'No account yet? Sign up' : 'Already have an account? Log in'}
          </button>
        )}
        {needMfa && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setNeedMfa(false);
              setTotp('');
            }}
          >
            Back
          </button>
        )}
      </form>
    </main>
  );
}
