import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { Busy, CopyButton, Empty, ErrorBox, formatTime, useLoad } from '../ui.tsx';

/** Single sign-on settings, verified domains and SCIM tokens of an organisation (docs/sso.md). */

type MappedRole = 'viewer' | 'member' | 'admin';

interface SsoConfig {
  issuer: string;
  clientId: string;
  scopes: string[];
  allowedDomains: string[];
  roleMapping: {
    claim: string;
    rules: Array<{ value: string; role: MappedRole }>;
    defaultRole: MappedRole | null;
  };
  requireSso: boolean;
  breakGlassUserId: string | null;
  redirectUri: string | null;
}

interface Domain {
  id: string;
  domain: string;
  verified: boolean;
  record: { type: 'TXT'; name: string; value: string };
}

interface TestResult {
  ok: boolean;
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  error: string | null;
}

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** `value = role` per line. */
function parseRules(text: string): Array<{ value: string; role: MappedRole }> {
  const rules: Array<{ value: string; role: MappedRole }> = [];
  for (const line of text.split('\n')) {
    const eq = line.lastIndexOf('=');
    if (eq <= 0) continue;
    const role = line.slice(eq + 1).trim();
    if (role === 'viewer' || role === 'member' || role === 'admin')
      rules.push({ value: line.slice(0, eq).trim(), role });
  }
  return rules;
}

export function SsoView({ orgId }: { orgId: string }) {
  const config = useLoad(async () => {
    try {
      return await api<SsoConfig>('GET', `/v1/orgs/${orgId}/sso`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }, [orgId]);
  const domains = useLoad(() => api<{ items: Domain[] }>('GET', `/v1/orgs/${orgId}/sso/domains`), [orgId]);
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState('openid email profile');
  const [allowed, setAllowed] = useState('');
  const [claim, setClaim] = useState('groups');
  const [rules, setRules] = useState('');
  const [defaultRole, setDefaultRole] = useState<MappedRole | ''>('');
  const [requireSso, setRequireSso] = useState(false);
  const [breakGlass, setBreakGlass] = useState('');
  const [newDomain, setNewDomain] = useState('');
  const [test, setTest] = useState<TestResult | null>(null);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const c = config.data;
    if (c === null || c === undefined) return;
    setIssuer(c.issuer);
    setClientId(c.clientId);
    setScopes(c.scopes.join(' '));
    setAllowed(c.allowedDomains.join(' '));
    setClaim(c.roleMapping.claim);
    setRules(c.roleMapping.rules.map((r) => `${r.value} = ${r.role}`).join('\n'));
    setDefaultRole(c.roleMapping.defaultRole ?? '');
    setRequireSso(c.requireSso);
    setBreakGlass(c.breakGlassUserId ?? '');
  }, [config.data]);

  async function run(fn: () => Promise<unknown>) {
    setError(null);
    setSaved(false);
    try {
      await fn();
    } catch (err) {
      setError(err);
    }
  }

  function save(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      await api('PUT', `/v1/orgs/${orgId}/sso`, {
        issuer: issuer.trim(),
        clientId: clientId.trim(),
        ...(clientSecret === '' ? {} : { clientSecret }),
        scopes: list(scopes),
        allowedDomains: list(allowed),
        roleMapping: {
          claim: claim.trim(),
          rules: parseRules(rules),
          defaultRole: defaultRole === '' ? null : defaultRole,
        },
        requireSso,
        breakGlassUserId: breakGlass.trim() === '' ? null : breakGlass.trim(),
      });
      setClientSecret('');
      setSaved(true);
      await config.reload();
    });
  }

  return (
    <section aria-labelledby="sso-h">
      <h2 id="sso-h">Single sign-on</h2>
      {config.loading && config.data === null && <Busy label="Loading settings…" />}
      {config.data?.redirectUri != null && (
        <p>
          Redirect URI to register at your identity provider: <code>{config.data.redirectUri}</code>{' '}
          <CopyButton text={config.data.redirectUri} />
        </p>
      )}
      <form className="card" onSubmit={save} aria-label="Single sign-on settings">
        <label>
          Issuer URL
          <input
            type="url"
            required
            maxLength={2048}
            value={issuer}
            onChange={(e) => setIssuer(e.target.value)}
          />
        </label>
        <label>
          Client ID
          <input required maxLength={512} value={clientId} onChange={(e) => setClientId(e.target.value)} />
        </label>
        <label>
          Client secret {config.data != null && '(leave empty to keep the stored one)'}
          <input
            type="password"
            autoComplete="off"
            maxLength={4096}
            value={clientSecret}
            onChange={(e) => setClientSecret(e.target.value)}
          />
        </label>
        <label>
          Scopes
          <input value={scopes} onChange={(e) => setScopes(e.target.value)} />
        </label>
        <label>
          Allowed email domains
          <input
            required
            value={allowed}
            onChange={(e) => setAllowed(e.target.value)}
            placeholder="example.com"
          />
        </label>
        <label>
          Role claim
          <input required value={claim} onChange={(e) => setClaim(e.target.value)} />
        </label>
        <label>
          Rules (one per line: <code>group = role</code>, role viewer, member or admin)
          <textarea rows={4} value={rules} onChange={(e) => setRules(e.target.value)} />
        </label>
        <label>
          When no rule matches
          <select value={defaultRole} onChange={(e) => setDefaultRole(e.target.value as MappedRole | '')}>
            <option value="">Refuse the sign-in</option>
            <option value="viewer">viewer</option>
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={requireSso} onChange={(e) => setRequireSso(e.target.checked)} />
          Require SSO (members cannot use passwords)
        </label>
        <label>
          Break-glass owner (user id, needs MFA)
          <input value={breakGlass} onChange={(e) => setBreakGlass(e.target.value)} placeholder="usr_…" />
        </label>
        <button type="submit">Save</button>
        {saved && <p role="status">Saved.</p>}
      </form>
      {config.data != null && (
        <div className="card">
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void run(async () => setTest(await api<TestResult>('POST', `/v1/orgs/${orgId}/sso/test`)))
            }
          >
            Test connection
          </button>
          {test !== null && (
            <p role="status">
              {test.ok
                ? `Discovery OK: token endpoint ${test.tokenEndpoint ?? '—'}`
                : `Failed: ${test.error ?? 'unknown error'}`}
            </p>
          )}
        </div>
      )}
      <ErrorBox error={error ?? config.error ?? domains.error} />
      <h3>Email domains</h3>
      <form
        className="card"
        aria-label="Claim a domain"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api('POST', `/v1/orgs/${orgId}/sso/domains`, { domain: newDomain.trim() });
            setNewDomain('');
            await domains.reload();
          });
        }}
      >
        <label>
          Domain
          <input required maxLength={253} value={newDomain} onChange={(e) => setNewDomain(e.target.value)} />
        </label>
        <button type="submit" className="secondary">
          Claim
        </button>
      </form>
      {domains.data !== null && domains.data.items.length === 0 && <Empty>No domains claimed yet.</Empty>}
      {domains.data !== null && domains.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">TXT record</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {domains.data.items.map((d) => (
              <tr key={d.id}>
                <td>{d.domain}</td>
                <td>
                  <code>{d.record.name}</code> <code>{d.record.value}</code>
                </td>
                <td>{d.verified ? 'verified' : 'pending'}</td>
                <td>
                  {!d.verified && (
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() =>
                        void run(async () => {
                          await api('POST', `/v1/orgs/${orgId}/sso/domains/${d.id}/verify`);
                          await domains.reload();
                        })
                      }
                    >
                      Verify
                    </button>
                  )}{' '}
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      void run(async () => {
                        await api('DELETE', `/v1/orgs/${orgId}/sso/domains/${d.id}`);
                        await domains.reload();
                      })
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface ScimToken {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function ScimTokensView({ orgId }: { orgId: string }) {
  const tokens = useLoad(() => api<{ items: ScimToken[] }>('GET', `/v1/orgs/${orgId}/scim-tokens`), [orgId]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run(fn: () => Promise<unknown>) {
    setError(null);
    try {
      await fn();
      await tokens.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section aria-labelledby="scim-h">
      <h2 id="scim-h">SCIM provisioning</h2>
      <p>
        Your identity provider creates and removes members through <code>/scim/v2/Users</code> with one of
        these tokens. Deactivating a person there ends their sessions and access at their next request.
      </p>
      <form
        className="card"
        aria-label="Create a SCIM token"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            setCreated(
              await api<{ token: string; name: string }>('POST', `/v1/orgs/${orgId}/scim-tokens`, { name }),
            );
            setName('');
          });
        }}
      >
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit">Create token</button>
      </form>
      {created !== null && (
        <div className="card notice" role="status">
          <h3>SCIM token {created.name} (shown once)</h3>
          <p>
            <code className="secret" data-testid="new-scim-token">
              {created.token}
            </code>{' '}
            <CopyButton text={created.token} label="Copy token" />
          </p>
          <button type="button" className="secondary small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <ErrorBox error={error ?? tokens.error} />
      {tokens.loading && tokens.data === null && <Busy label="Loading tokens…" />}
      {tokens.data !== null && tokens.data.items.length === 0 && <Empty>No SCIM tokens yet.</Empty>}
      {tokens.data !== null && tokens.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{formatTime(t.createdAt)}</td>
                <td>{formatTime(t.lastUsedAt)}</td>
                <td>{t.revokedAt === null ? 'active' : 'revoked'}</td>
                <td>
                  {t.revokedAt === null && (
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() => void run(() => api('DELETE', `/v1/orgs/${orgId}/scim-tokens/${t.id}`))}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
