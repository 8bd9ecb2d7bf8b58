import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import {
  Link,
  Navigate,
  NavLink,
  Route,
  Routes,
  useLocation,
  useNavigate,
  useParams,
  useSearchParams,
} from 'react-router';
import { api, can, logout, type Me, type Org, type Permission, refreshSession } from './api.ts';
import { invitationTokenFrom } from './invite.ts';
import { MutationError } from './query.tsx';
import { Busy, ErrorBox, NavigationFocus, ViewHeading } from './ui.tsx';
import { ApprovalsView } from './views/Approvals.tsx';
import { AuditView } from './views/Audit.tsx';
import { AuthScreen } from './views/Auth.tsx';
import { ConnectionDetail } from './views/ConnectionDetail.tsx';
import { ConnectionsView } from './views/Connections.tsx';
import { ConsentView } from './views/Consent.tsx';
import { FindingsView } from './views/Findings.tsx';
import { GroupDetail, GroupsView } from './views/Groups.tsx';
import { InsightsView } from './views/Insights.tsx';
import { ApiKeysView, MembersView } from './views/Org.tsx';
import { SecurityView } from './views/Security.tsx';
import { ScimTokensView, SsoView } from './views/Sso.tsx';
import { WebhooksView } from './views/Webhooks.tsx';

/**
 * The views of an organisation, in sidebar order: `/orgs/:orgId/<id>`; the permission, when one is
 * needed to see the view at all (the role's controls inside a view are checked there).
 */
const ORG_VIEWS = [
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
] as const satisfies ReadonlyArray<readonly [string, string, Permission | null]>;
type OrgViewId = (typeof ORG_VIEWS)[number][0];

const isOrgView = (v: string | undefined): v is OrgViewId => ORG_VIEWS.some(([id]) => id === v);

const orgPath = (orgId: string, view: OrgViewId = 'connections') => `/orgs/${orgId}/${view}`;

export function App() {
  const queryClient = useQueryClient();
  const location = useLocation();
  const [session, setSession] = useState<'booting' | 'signed-out' | 'signed-in'>('booting');
  const me = useQuery({
    queryKey: ['me'],
    queryFn: () => api<Me>('GET', '/v1/me'),
    enabled: session === 'signed-in',
  });

  useEffect(() => {
    void refreshSession().then((ok) => setSession(ok ? 'signed-in' : 'signed-out'));
  }, []);

  if (session === 'booting' || (session === 'signed-in' && me.isPending)) {
    return (
      <main className="auth">
        <Busy label="Loading Rolegate…" />
      </main>
    );
  }
  if (session === 'signed-out' || me.data === undefined) {
    return (
      <>
        <AuthScreen
          invitationToken={invitationTokenFrom(location)}
          onSignedIn={() => {
            // Whatever a previous user of this tab left in the cache is not this user's.
            queryClient.clear();
            setSession('signed-in');
          }}
        />
        {me.isError && (
          <div className="auth">
            <ErrorBox error={me.error} />
          </div>
        )}
      </>
    );
  }
  return (
    <SignedIn
      me={me.data}
      onSignedOut={() => {
        queryClient.clear();
        setSession('signed-out');
      }}
    />
  );
}

function SignedIn({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  // The organisation last shown, for the sidebar of user-level pages (/security); memory only.
  const [lastOrgId, setLastOrgId] = useState<string | null>(null);
  const shell = { me, onSignedOut };
  const firstOrg = me.organizations[0];
  const focus = useNavigationFocus();
  return (
    <NavigationFocus.Provider value={focus}>
      <Routes>
        {/* The OAuth consent page (an MCP client's authorization request) replaces the console shell. */}
        <Route path="/oauth-consent" element={<ConsentRoute me={me} />} />
        <Route path="/invite" element={<JoinOrganisation />} />
        <Route
          path="/"
          element={
            firstOrg === undefined ? (
              <Shell {...shell} org={undefined} navOrgId={null}>
                <NoOrganisation />
              </Shell>
            ) : (
              <Navigate to={orgPath(firstOrg.id)} replace />
            )
          }
        />
        <Route
          path="/security"
          element={
            <Shell {...shell} org={undefined} navOrgId={lastOrgId ?? firstOrg?.id ?? null}>
              <SecurityView me={me} />
            </Shell>
          }
        />
        <Route path="/orgs/:orgId/*" element={<OrgArea {...shell} onShown={setLastOrgId} />} />
        {/* Addresses from before organisations were in the URL (bookmarks): the same view of the first one. */}
        {ORG_VIEWS.map(([id]) => (
          <Route
            key={id}
            path={`/${id}`}
            element={<LegacyRedirect view={id} orgId={firstOrg?.id ?? null} />}
          />
        ))}
        <Route
          path="*"
          element={
            <Shell {...shell} org={undefined} navOrgId={lastOrgId ?? firstOrg?.id ?? null}>
              <NotFound />
            </Shell>
          }
        />
      </Routes>
    </NavigationFocus.Provider>
  );
}

/**
 * Focus follows navigation: each new path (not a change of search parameters, which typing in a
 * filter makes) bumps `seq`, and the new view's ViewHeading takes focus. A view without one gets
 * its first heading focused once it rendered. The first page load keeps the browser's focus.
 */
function useNavigationFocus() {
  const { pathname } = useLocation();
  const [nav, setNav] = useState({ pathname, seq: 0 });
  // Derived from the location during render (React's pattern for state that follows a prop).
  if (nav.pathname !== pathname) setNav({ pathname, seq: nav.seq + 1 });
  const claimed = useRef(0);
  const { seq } = nav;
  useEffect(() => {
    if (seq === 0) return;
    const frame = requestAnimationFrame(() => {
      if (claimed.current >= seq) return;
      const heading = document.querySelector<HTMLElement>('#main h2');
      if (heading === null) return;
      claimed.current = seq;
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus();
    });
    return () => cancelAnimationFrame(frame);
  }, [seq]);
  return useMemo(() => ({ seq, claimed }), [seq]);
}

function LegacyRedirect({ view, orgId }: { view: OrgViewId; orgId: string | null }) {
  const { search } = useLocation();
  return <Navigate to={orgId === null ? '/' : `${orgPath(orgId, view)}${search}`} replace />;
}

function ConsentRoute({ me }: { me: Me }) {
  const [params] = useSearchParams();
  const uid = params.get('uid');
  if (uid === null || uid === '') return <Navigate to="/" replace />;
  return <ConsentView me={me} uid={uid} />;
}

/** A signed-in user opened an invitation link: accept it (or not) before the console. */
function JoinOrganisation() {
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const token = invitationTokenFrom(location);
  const accept = useMutation({
    mutationFn: (t: string) => api<{ orgId: string }>('POST', '/v1/invitations/accept', { token: t }),
    onSuccess: async ({ orgId }) => {
      // The new membership must be in /v1/me before its address is opened.
      await queryClient.refetchQueries({ queryKey: ['me'], exact: true });
      // `replace`: the token leaves the history with the invitation page.
      void navigate(orgPath(orgId), { replace: true });
    },
  });
  if (token === null) return <Navigate to="/" replace />;
  return (
    <main className="auth">
      <h1>Rolegate</h1>
      <section className="card" aria-labelledby="join-h">
        <h2 id="join-h">Join an organisation</h2>
        <p>You opened an invitation link. Accept it to join the organisation that invited you.</p>
        <MutationError mutation={accept} />
        <button type="button" disabled={accept.isPending} onClick={() => accept.mutate(token)}>
          Accept the invitation
        </button>{' '}
        <button type="button" className="secondary" onClick={() => void navigate('/', { replace: true })}>
          Not now
        </button>
      </section>
    </main>
  );
}

/** `/orgs/:orgId/…`: the organisation must be one of the user's, never silently another one. */
function OrgArea({
  me,
  onSignedOut,
  onShown,
}: {
  me: Me;
  onSignedOut: () => void;
  onShown: (orgId: string) => void;
}) {
  const { orgId = '' } = useParams();
  const org = me.organizations.find((o) => o.id === orgId);
  useEffect(() => {
    if (org !== undefined) onShown(org.id);
  }, [org, onShown]);
  if (org === undefined) {
    return (
      <Shell me={me} onSignedOut={onSignedOut} org={undefined} navOrgId={me.organizations[0]?.id ?? null}>
        <NotMember orgId={orgId} me={me} />
      </Shell>
    );
  }
  const allowed = (p: Permission) => can(org, p);
  const gate = (view: OrgViewId, element: ReactNode) => <Gate org={org} view={view} element={element} />;
  return (
    <Shell me={me} onSignedOut={onSignedOut} org={org} navOrgId={org.id}>
      {/* Keyed by organisation: nothing typed or open in one organisation carries over to another. */}
      <Routes key={org.id}>
        <Route index element={<Navigate to={orgPath(org.id)} replace />} />
        <Route
          path="connections"
          element={gate(
            'connections',
            <ConnectionsView orgId={org.id} canConnect={can(org, 'connections:write')} />,
          )}
        />
        <Route path="connections/:connId" element={gate('connections', <ConnectionRoute org={org} />)} />
        <Route
          path="organizations"
          element={gate('organizations', <GroupsView orgId={org.id} allowed={allowed} />)}
        />
        <Route
          path="organizations/:groupId"
          element={gate('organizations', <GroupRoute orgId={org.id} allowed={allowed} />)}
        />
        <Route
          path="findings"
          element={gate('findings', <FindingsView orgId={org.id} canCleanUp={can(org, 'cleanup:execute')} />)}
        />
        <Route path="keys" element={gate('keys', <ApiKeysView orgId={org.id} />)} />
        <Route
          path="members"
          element={gate('members', <MembersView orgId={org.id} myUserId={me.user.id} myRole={org.role} />)}
        />
        <Route
          path="approvals"
          element={gate(
            'approvals',
            <ApprovalsView orgId={org.id} myUserId={me.user.id} myRole={org.role} />,
          )}
        />
        <Route path="audit" element={gate('audit', <AuditView orgId={org.id} />)} />
        <Route path="insights" element={gate('insights', <InsightsView orgId={org.id} />)} />
        <Route path="webhooks" element={gate('webhooks', <WebhooksView orgId={org.id} />)} />
        <Route path="sso" element={gate('sso', <SsoView orgId={org.id} />)} />
        <Route path="scim" element={gate('scim', <ScimTokensView orgId={org.id} />)} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Shell>
  );
}

/** A view the role does not include says so (a deep link to it); the API refuses it regardless. */
function Gate({ org, view, element }: { org: Org; view: OrgViewId; element: ReactNode }) {
  const needs = ORG_VIEWS.find(([id]) => id === view)?.[2] ?? null;
  if (needs !== null && !can(org, needs)) {
    return (
      <section aria-labelledby="not-allowed-h">
        <ViewHeading id="not-allowed-h">Not available to your role</ViewHeading>
        <p data-testid="page-not-allowed">
          Your role in this organisation ({org.role}) does not include this page. Ask an admin if you need it.
        </p>
      </section>
    );
  }
  return <>{element}</>;
}

function ConnectionRoute({ org }: { org: Org }) {
  const { connId = '' } = useParams();
  return (
    <ConnectionDetail
      key={connId}
      orgId={org.id}
      connId={connId}
      canVerify={can(org, 'connections:verify')}
    />
  );
}

function GroupRoute({ orgId, allowed }: { orgId: string; allowed: (p: Permission) => boolean }) {
  const { groupId = '' } = useParams();
  return <GroupDetail key={groupId} orgId={orgId} groupId={groupId} allowed={allowed} />;
}

function NotMember({ orgId, me }: { orgId: string; me: Me }) {
  return (
    <section aria-labelledby="not-member-h" data-testid="org-not-found">
      <ViewHeading id="not-member-h">Organisation not found</ViewHeading>
      <p>
        The organisation <code>{orgId}</code> does not exist or you are not a member of it. Ask one of its
        admins for an invitation if you need it.
      </p>
      {me.organizations.length > 0 ? (
        <>
          <h3>Your organisations</h3>
          <ul>
            {me.organizations.map((o) => (
              <li key={o.id}>
                <Link to={orgPath(o.id)}>
                  {o.name} ({o.role})
                </Link>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>You are not a member of any organisation yet.</p>
      )}
    </section>
  );
}

function NoOrganisation() {
  return (
    <section aria-labelledby="no-org-h">
      <ViewHeading id="no-org-h">No organisation yet</ViewHeading>
      <p>You are not a member of any organisation. Create one in the sidebar, or accept an invitation.</p>
    </section>
  );
}

function NotFound() {
  return (
    <section aria-labelledby="not-found-h">
      <ViewHeading id="not-found-h">Page not found</ViewHeading>
      <p>
        Nothing lives at this address. <Link to="/">Go to your connections</Link>.
      </p>
    </section>
  );
}

function Shell({
  me,
  org,
  navOrgId,
  onSignedOut,
  children,
}: {
  me: Me;
  /** The organisation in the address; undefined on user-level pages. */
  org: Org | undefined;
  /** The organisation the sidebar links go to. */
  navOrgId: string | null;
  onSignedOut: () => void;
  children: ReactNode;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const [newOrg, setNewOrg] = useState('');
  const navOrg = me.organizations.find((o) => o.id === navOrgId);
  const currentView = location.pathname.split('/')[3];
  // A user-level page (/security) shows the organisation its sidebar links to; an organisation
  // address the user cannot open shows none.
  const shownOrgId = org?.id ?? (location.pathname.startsWith('/orgs/') ? '' : (navOrg?.id ?? ''));

  const signOut = useMutation({
    mutationFn: logout,
    onSettled: onSignedOut,
  });

  const createOrg = useMutation({
    mutationFn: (name: string) => api<{ id: string }>('POST', '/v1/orgs', { name }),
    onSuccess: async (created) => {
      setNewOrg('');
      await queryClient.refetchQueries({ queryKey: ['me'], exact: true });
      void navigate(orgPath(created.id));
    },
  });

  return (
    <div className="layout">
      <header className="topbar">
        <Link className="brand" to="/">
          Rolegate
        </Link>
        <label className="org-switch">
          Organisation
          <select
            aria-label="Organisation"
            value={shownOrgId}
            onChange={(e) => {
              // The same view of the chosen organisation; a connection, a group or filters of the
              // previous one mean nothing there.
              const view = isOrgView(currentView) && org !== undefined ? currentView : 'connections';
              void navigate(orgPath(e.target.value, view));
            }}
          >
            {shownOrgId === '' && (
              <option value="" disabled>
                Choose…
              </option>
            )}
            {me.organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} ({o.role})
              </option>
            ))}
          </select>
        </label>
        <span className="who muted">{me.user.email}</span>
        <button
          type="button"
          className="secondary small"
          disabled={signOut.isPending}
          onClick={() => signOut.mutate()}
        >
          Log out
        </button>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {navOrg !== undefined &&
            ORG_VIEWS.filter(([, , needs]) => needs === null || can(navOrg, needs)).map(([id, label]) => (
              <li key={id}>
                <NavLink to={orgPath(navOrg.id, id)}>{label}</NavLink>
              </li>
            ))}
          <li>
            <NavLink to="/security">Security</NavLink>
          </li>
        </ul>
        <form
          className="new-org"
          aria-label="Create an organisation"
          onSubmit={(e) => {
            e.preventDefault();
            createOrg.mutate(newOrg);
          }}
        >
          <label>
            New organisation
            <input value={newOrg} onChange={(e) => setNewOrg(e.target.value)} required maxLength={100} />
          </label>
          <button type="submit" className="secondary small" disabled={createOrg.isPending}>
            Create
          </button>
          <MutationError mutation={createOrg} />
        </form>
      </nav>
      <main className="content" id="main">
        <MutationError mutation={signOut} />
        {children}
      </main>
    </div>
  );
}
