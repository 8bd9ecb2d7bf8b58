import { useCallback, useEffect, useState } from 'react';
import { api, type Connection, can, logout, type Me, type Permission, refreshSession } from './api.ts';
import { invitationTokenFromUrl, leaveInvitation } from './invite.ts';
import { Busy, ErrorBox } from './ui.tsx';
import { ApprovalsView } from './views/Approvals.tsx';
import { AuditView } from './views/Audit.tsx';
import { AuthScreen } from './views/Auth.tsx';
import { ConnectionDetail } from './views/ConnectionDetail.tsx';
import { ConnectionsView } from './views/Connections.tsx';
import { ConsentView } from './views/Consent.tsx';
import { FindingsView } from './views/Findings.tsx';
import { GroupsView } from './views/Groups.tsx';
import { InsightsView } from './views/Insights.tsx';
import { ApiKeysView, MembersView } from './views/Org.tsx';
import { SecurityView } from './views/Security.tsx';
import { ScimTokensView, SsoView } from './views/Sso.tsx';
import { WebhooksView } from './views/Webhooks.tsx';

const PAGES = [
  ['connections', 'Connections', null],
  ['organizations', 'AWS Organizations', null],
  ['findings', 'Waste findings', null],
  ['keys', 'API keys', 'api-keys:read'],
  ['members', 'Members', null],
  ['approvals', 'Approvals', null],
  ['audit', 'Audit log', 'audit:read'],
  ['insights', 'Insights', 'insights:read'],
  ['webhooks', 'Webhooks', 'webhooks:read'],
  ['sso', 'Single sign-on', 'sso:read'],
  ['scim', 'SCIM', 'sso:manage'],
  ['security', 'Security', null],
] as const satisfies ReadonlyArray<readonly [string, string, Permission | null]>;
type PageId = (typeof PAGES)[number][0];

function pageFromPath(): PageId {
  const p = window.location.pathname.replace(/^\/+/, '').split('/')[0] ?? '';
  return (PAGES.find(([id]) => id === p)?.[0] ?? 'connections') as PageId;
}

export function App() {
  const [state, setState] = useState<'booting' | 'signed-out' | 'signed-in'>('booting');
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [preferredOrg, setPreferredOrg] = useState<string | null>(null);

  const loadMe = useCallback(async () => {
    try {
      setMe(await api<Me>('GET', '/v1/me'));
      setState('signed-in');
    } catch (err) {
      setError(err);
      setState('signed-out');
    }
  }, []);

  useEffect(() => {
    void refreshSession().then((ok) => (ok ? loadMe() : setState('signed-out')));
  }, [loadMe]);

  if (state === 'booting') {
    return (
      <main className="auth">
        <Busy label="Loading Rolegate…" />
      </main>
    );
  }
  if (state === 'signed-out' || me === null) {
    return (
      <>
        <AuthScreen
          invitationToken={invitationTokenFromUrl()}
          onSignedIn={() => {
            setError(null);
            void loadMe();
          }}
        />
        {error !== null && (
          <div className="auth">
            <ErrorBox error={error} />
          </div>
        )}
      </>
    );
  }
  // The OAuth consent page (an MCP client's authorization request) replaces the console shell.
  const consentUid =
    window.location.pathname === '/oauth-consent'
      ? new URLSearchParams(window.location.search).get('uid')
      : null;
  if (consentUid !== null) return <ConsentView me={me} uid={consentUid} />;
  const invitationToken = invitationTokenFromUrl();
  if (invitationToken !== null) {
    return (
      <JoinOrganisation
        token={invitationToken}
        onDone={(orgId) => {
          leaveInvitation();
          setPreferredOrg(orgId);
          void loadMe();
        }}
      />
    );
  }
  return (
    <Shell
      key={preferredOrg ?? 'default'}
      initialOrgId={preferredOrg}
      me={me}
      reloadMe={loadMe}
      onSignedOut={() => {
        setMe(null);
        setState('signed-out');
      }}
    />
  );
}

/** A signed-in user opened an invitation link: accept it (or not) before the console. */
function JoinOrganisation({ token, onDone }: { token: string; onDone: (orgId: string | null) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function accept() {
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ orgId: string }>('POST', '/v1/invitations/accept', { token });
      onDone(res.orgId);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="auth">
      <h1>Rolegate</h1>
      <section className="card" aria-labelledby="join-h">
        <h2 id="join-h">Join an organisation</h2>
        <p>You opened an invitation link. Accept it to join the organisation that invited you.</p>
        <ErrorBox error={error} />
        <button type="button" disabled={busy} onClick={() => void accept()}>
          Accept the invitation
        </button>{' '}
        <button type="button" className="secondary" onClick={() => onDone(null)}>
          Not now
        </button>
      </section>
    </main>
  );
}

function Shell({
  me,
  reloadMe,
  onSignedOut,
  initialOrgId = null,
}: {
  initialOrgId?: string | null;
  me: Me;
  reloadMe: () => Promise<void>;
  onSignedOut: () => void;
}) {
  const [page, setPageState] = useState<PageId>(pageFromPath);
  const [orgId, setOrgId] = useState(
    me.organizations.find((o) => o.id === initialOrgId)?.id ?? me.organizations[0]?.id ?? '',
  );
  const [openConn, setOpenConn] = useState<Connection | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [newOrg, setNewOrg] = useState('');
  const org = me.organizations.find((o) => o.id === orgId) ?? me.organizations[0];

  useEffect(() => {
    const onPop = () => setPageState(pageFromPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  function setPage(p: PageId) {
    setOpenConn(null);
    setPageState(p);
    if (window.location.pathname !== `/${p}`) window.history.pushState(null, '', `/${p}`);
  }

  const needs = PAGES.find(([id]) => id === page)?.[2] ?? null;
  const pageAllowed = needs === null || can(org, needs);

  async function signOut() {
    try {
      await logout();
    } catch (err) {
      setError(err);
    }
    onSignedOut();
  }

  async function createOrg() {
    setError(null);
    try {
      const created = await api<{ id: string }>('POST', '/v1/orgs', { name: newOrg });
      setNewOrg('');
      await reloadMe();
      setOrgId(created.id);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <div className="layout">
      <header className="topbar">
        <a className="brand" href="/connections">
          Rolegate
        </a>
        <label className="org-switch">
          Organisation
          <select
            aria-label="Organisation"
            value={org?.id ?? ''}
            onChange={(e) => {
              setOrgId(e.target.value);
              setOpenConn(null);
            }}
          >
            {me.organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} ({o.role})
              </option>
            ))}
          </select>
        </label>
        <span className="who muted">{me.user.email}</span>
        <button type="button" className="secondary small" onClick={signOut}>
          Log out
        </button>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {PAGES.filter(([, , needs]) => needs === null || can(org, needs)).map(([id, label]) => (
            <li key={id}>
              <a
                href={`/${id}`}
                aria-current={page === id ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  setPage(id);
                }}
              >
                {label}
              </a>
            </li>
          ))}
        </ul>
        <form
          className="new-org"
          aria-label="Create an organisation"
          onSubmit={(e) => {
            e.preventDefault();
            void createOrg();
          }}
        >
          <label>
            New organisation
            <input value={newOrg} onChange={(e) => setNewOrg(e.target.value)} required maxLength={100} />
          </label>
          <button type="submit" className="secondary small">
            Create
          </button>
        </form>
      </nav>
      <main className="content" id="main">
        <ErrorBox error={error} />
        {org === undefined && page !== 'security' ? (
          <p>You are not a member of any organisation. Create one in the sidebar, or accept an invitation.</p>
        ) : !pageAllowed ? (
          <p data-testid="page-not-allowed">
            Your role in this organisation ({org?.role}) does not include this page. Ask an admin if you need
            it.
          </p>
        ) : (
          <>
            {page === 'connections' && org !== undefined && openConn === null && (
              <ConnectionsView
                key={org.id}
                orgId={org.id}
                onOpen={setOpenConn}
                canConnect={can(org, 'connections:write')}
              />
            )}
            {page === 'connections' && org !== undefined && openConn !== null && (
              <ConnectionDetail
                key={openConn.id}
                orgId={org.id}
                connection={openConn}
                onBack={() => setOpenConn(null)}
                onFindings={() => setPage('findings')}
                canVerify={can(org, 'connections:verify')}
              />
            )}
            {page === 'organizations' && org !== undefined && (
              <GroupsView key={org.id} orgId={org.id} allowed={(p) => can(org, p)} />
            )}
            {page === 'findings' && org !== undefined && (
              <FindingsView key={org.id} orgId={org.id} canCleanUp={can(org, 'cleanup:execute')} />
            )}
            {page === 'keys' && org !== undefined && <ApiKeysView key={org.id} orgId={org.id} />}
            {page === 'members' && org !== undefined && (
              <MembersView key={org.id} orgId={org.id} myUserId={me.user.id} myRole={org.role} />
            )}
            {page === 'approvals' && org !== undefined && (
              <ApprovalsView key={org.id} orgId={org.id} myUserId={me.user.id} myRole={org.role} />
            )}
            {page === 'audit' && org !== undefined && <AuditView key={org.id} orgId={org.id} />}
            {page === 'insights' && org !== undefined && <InsightsView key={org.id} orgId={org.id} />}
            {page === 'webhooks' && org !== undefined && <WebhooksView key={org.id} orgId={org.id} />}
            {page === 'sso' && org !== undefined && <SsoView key={org.id} orgId={org.id} />}
            {page === 'scim' && org !== undefined && <ScimTokensView key={org.id} orgId={org.id} />}
            {page === 'security' && <SecurityView me={me} onChanged={() => void reloadMe()} />}
          </>
        )}
      </main>
    </div>
  );
}
