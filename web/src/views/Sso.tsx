import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { CopyButton, Empty, focusSoon, formatTime, ViewHeading } from '../ui.tsx';

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

type SsoSettings = Omit<SsoConfig, 'redirectUri'> & { clientSecret?: string };

export function SsoView({ orgId }: { orgId: string }) {
  const queryClient = useQueryClient();
  const key = ['org', orgId, 'sso'] as const;
  const config = useQuery({
    queryKey: [...key, 'config'],
    // No configuration yet is an answer (404), not an error: the form starts empty.
    queryFn: async () => {
      try {
        return await api<SsoConfig>('GET', `/v1/orgs/${orgId}/sso`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
  });
  const domains = useQuery({
    queryKey: [...key, 'domains'],
    queryFn: () => api<{ items: Domain[] }>('GET', `/v1/orgs/${orgId}/sso/domains`),
  });
  const [newDomain, setNewDomain] = useState('');

  const save = useMutation({
    mutationFn: (settings: SsoSettings) => api('PUT', `/v1/orgs/${orgId}/sso`, settings),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...key, 'config'] }),
  });
  const test = useMutation({
    mutationFn: () => api<TestResult>('POST', `/v1/orgs/${orgId}/sso/test`),
  });
  const invalidateDomains = () => queryClient.invalidateQueries({ queryKey: [...key, 'domains'] });
  const claim = useMutation({
    mutationFn: (domain: string) => api('POST', `/v1/orgs/${orgId}/sso/domains`, { domain }),
    onSuccess: () => {
      setNewDomain('');
      return invalidateDomains();
    },
  });
  const domainAction = useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'verify' | 'remove' }) =>
      action === 'verify'
        ? api('POST', `/v1/orgs/${orgId}/sso/domains/${id}/verify`)
        : api('DELETE', `/v1/orgs/${orgId}/sso/domains/${id}`),
    onSettled: invalidateDomains,
  });

  return (
    <section aria-labelledby="sso-h">
      <ViewHeading id="sso-h">Single sign-on</ViewHeading>
      <QueryView query={config} label="Loading settings…">
        {(c) => (
          <>
            {c?.redirectUri != null && (
              <p>
                Redirect URI to register at your identity provider: <code>{c.redirectUri}</code>{' '}
                <CopyButton text={c.redirectUri} />
              </p>
            )}
            {/* Keyed by the stored settings: after a save the form shows what the server kept. */}
            <SsoForm key={JSON.stringify(c)} config={c} save={save} />
            {c !== null && (
              <div className="card">
                <button
                  type="button"
                  className="secondary"
                  disabled={test.isPending}
                  onClick={() => test.mutate()}
                >
                  Test connection
                </button>
                <MutationError mutation={test} />
                {test.data !== undefined && (
                  <p role="status">
                    {test.data.ok
                      ? `Discovery OK: token endpoint ${test.data.tokenEndpoint ?? '—'}`
                      : `Failed: ${test.data.error ?? 'unknown error'}`}
                  </p>
                )}
              </div>
            )}
          </>
        )}
      </QueryView>
      <h3>Email domains</h3>
      <form
        className="card"
        aria-label="Claim a domain"
        onSubmit={(e) => {
          e.preventDefault();
          claim.mutate(newDomain.trim());
        }}
      >
        <label>
          Domain
          <input required maxLength={253} value={newDomain} onChange={(e) => setNewDomain(e.target.value)} />
        </label>
        <MutationError mutation={claim} />
        <button type="submit" className="secondary" disabled={claim.isPending}>
          Claim
        </button>
      </form>
      <MutationError mutation={domainAction} />
      <QueryView query={domains} label="Loading domains…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No domains claimed yet.</Empty>
          ) : (
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
                {data.items.map((d) => (
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
                          disabled={domainAction.isPending}
                          onClick={() => domainAction.mutate({ id: d.id, action: 'verify' })}
                        >
                          Verify
                        </button>
                      )}{' '}
                      <button
                        type="button"
                        className="secondary small"
                        disabled={domainAction.isPending}
                        onClick={() => domainAction.mutate({ id: d.id, action: 'remove' })}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </section>
  );
}

function SsoForm({
  config,
  save,
}: {
  config: SsoConfig | null;
  save: { mutate: (s: SsoSettings) => void; isPending: boolean; isSuccess: boolean; error: unknown };
}) {
  const [issuer, setIssuer] = useState(config?.issuer ?? '');
  const [clientId, setClientId] = useState(config?.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState(config?.scopes.join(' ') ?? 'openid email profile');
  const [allowed, setAllowed] = useState(config?.allowedDomains.join(' ') ?? '');
  const [claim, setClaim] = useState(config?.roleMapping.claim ?? 'groups');
  const [rules, setRules] = useState(
    config?.roleMapping.rules.map((r) => `${r.value} = ${r.role}`).join('\n') ?? '',
  );
  const [defaultRole, setDefaultRole] = useState<MappedRole | ''>(config?.roleMapping.defaultRole ?? '');
  const [requireSso, setRequireSso] = useState(config?.requireSso ?? false);
  const [breakGlass, setBreakGlass] = useState(config?.breakGlassUserId ?? '');

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate({
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
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Single sign-on settings">
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
        Client secret {config !== null && '(leave empty to keep the stored one)'}
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
      <MutationError mutation={save} />
      <button type="submit" disabled={save.isPending}>
        Save
      </button>
      {save.isSuccess && <p role="status">Saved.</p>}
    </form>
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
  const queryClient = useQueryClient();
  const key = ['org', orgId, 'scim-tokens'] as const;
  const tokens = useQuery({
    queryKey: key,
    queryFn: () => api<{ items: ScimToken[] }>('GET', `/v1/orgs/${orgId}/scim-tokens`),
  });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const createButton = useRef<HTMLButtonElement>(null);
  const tokenHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (created !== null) tokenHeading.current?.focus();
  }, [created]);

  const create = useMutation({
    mutationFn: () => api<{ token: string; name: string }>('POST', `/v1/orgs/${orgId}/scim-tokens`, { name }),
    onSuccess: (res) => {
      setCreated(res);
      setName('');
      return queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/v1/orgs/${orgId}/scim-tokens/${id}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });

  return (
    <section aria-labelledby="scim-h">
      <ViewHeading id="scim-h">SCIM provisioning</ViewHeading>
      <p>
        Your identity provider creates and removes members through <code>/scim/v2/Users</code> with one of
        these tokens. Deactivating a person there ends their sessions and access at their next request.
      </p>
      <form
        className="card"
        aria-label="Create a SCIM token"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <MutationError mutation={create} />
        <button type="submit" ref={createButton} disabled={create.isPending}>
          Create token
        </button>
      </form>
      {created !== null && (
        <div className="card notice" role="status">
          <h3 ref={tokenHeading} tabIndex={-1}>
            SCIM token {created.name} (shown once)
          </h3>
          <p>
            <code className="secret" data-testid="new-scim-token">
              {created.token}
            </code>{' '}
            <CopyButton text={created.token} label="Copy token" />
          </p>
          <button
            type="button"
            className="secondary small"
            onClick={() => {
              setCreated(null);
              focusSoon(createButton);
            }}
          >
            Done
          </button>
        </div>
      )}
      <MutationError mutation={revoke} />
      <QueryView query={tokens} label="Loading tokens…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No SCIM tokens yet.</Empty>
          ) : (
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
                {data.items.map((t) => (
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
                          disabled={revoke.isPending}
                          onClick={() => revoke.mutate(t.id)}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </section>
  );
}
