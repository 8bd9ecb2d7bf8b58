import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, login } from '../api.ts';
import { MutationError } from '../query.tsx';
import { CodeField, PasswordField } from '../ui.tsx';

/** Why a single sign-on came back to the console (`/?sso_error=<code>`, set by the SSO routes). */
const SSO_ERRORS: Record<string, string> = {
  sso_failed: 'Single sign-on did not complete (it may have expired or been refused); try again.',
  not_found: 'No organisation signs in with SSO for this address.',
  sso_provider_unavailable: 'Your organisation’s identity provider could not be reached; try again later.',
  validation_failed: 'Enter a valid work address.',
};

/**
 * The SSO error the address carries, shown once: the parameter leaves the address (replaced, so
 * Back does not bring it back) while the message stays on screen.
 */
function useSsoError(): string | null {
  const [params, setParams] = useSearchParams();
  const code = params.get('sso_error');
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    if (code === null) return;
    setMessage(SSO_ERRORS[code] ?? 'Single sign-on failed; try again.');
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        next.delete('sso_error');
        return next;
      },
      { replace: true },
    );
  }, [code, setParams]);
  return message;
}

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
  const [ssoEmail, setSsoEmail] = useState('');
  const ssoError = useSsoError();
  const navigate = useNavigate();

  // A plain navigation: the server sets the sign-in's state cookie and redirects to the provider,
  // whose callback brings the browser back here with the session's refresh cookie.
  function startSso(e: FormEvent) {
    e.preventDefault();
    window.location.assign(`/v1/auth/sso/start?email=${encodeURIComponent(ssoEmail.trim())}`);
  }

  const signIn = useMutation({
    mutationFn: async () => {
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
    },
    onSuccess: () => {
      // Signed up through the link: the invitation is accepted already, and the token leaves the
      // address and the history. Logged in instead: the console offers to accept it next (App.tsx).
      if (mode === 'signup' && invitationToken !== null) void navigate('/', { replace: true });
      onSignedIn();
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'mfa_required') {
        setNeedMfa(true);
        setMode('login');
      } else if (err instanceof ApiError && err.code === 'sso_required') {
        setSsoEmail(email);
      }
    },
  });
  const busy = signIn.isPending;
  // The MFA step is a step, not an error to show.
  const shownError =
    signIn.error instanceof ApiError && signIn.error.code === 'mfa_required' ? null : signIn.error;

  function submit(e: FormEvent) {
    e.preventDefault();
    signIn.mutate();
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
        <MutationError mutation={{ error: shownError }} />
        <button type="submit" disabled={busy}>
          {busy ? 'Working…' : needMfa ? 'Verify' : mode === 'login' ? 'Log in' : 'Sign up'}
        </button>
        {!needMfa && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(mode === 'login' ? 'signup' : 'login');
              signIn.reset();
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
              signIn.reset();
            }}
          >
            Back
          </button>
        )}
      </form>
      {mode === 'login' && !needMfa && (
        <form className="card" onSubmit={startSso} aria-label="Sign in with SSO">
          <h2>Sign in with SSO</h2>
          <label>
            Work address
            <input
              type="email"
              required
              value={ssoEmail}
              onChange={(e) => setSsoEmail(e.target.value)}
              autoComplete="email"
              maxLength={320}
            />
          </label>
          {ssoError !== null && (
            <p className="error" role="alert">
              {ssoError}
            </p>
          )}
          <button type="submit" className="secondary">
            Continue with SSO
          </button>
        </form>
      )}
    </main>
  );
}
