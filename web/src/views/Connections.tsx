import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  ApiError,
  api,
  CAPABILITIES,
  type Capability,
  type Check,
  type Connection,
  type Page,
} from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import {
  Busy,
  CodeBlock,
  CopyButton,
  Empty,
  FieldMessage,
  focusSoon,
  formatTime,
  ViewHeading,
} from '../ui.tsx';

const CAPABILITY_TEXT: Record<Capability, string> = {
  's3-read': 'List buckets and objects, download objects',
  's3-write': 'Upload objects',
  'logs-read': 'Search CloudWatch Logs',
  'dynamodb-read': 'Query and scan DynamoDB tables',
  'lambda-read': 'List Lambda functions',
  'lambda-invoke': 'Invoke Lambda functions',
  'cost-scan': 'Scan for idle and wasted resources (read-only)',
  cleanup: 'Delete waste after a dry run and confirmation',
  'cloudtrail-read': 'Look up CloudTrail events to reconcile them with the audit trail',
  'organizations-read':
    'List the accounts of an AWS Organization (management or delegated-administrator account, for connection groups)',
  'audit-export': 'Write signed audit checkpoints to one bucket and prefix (PutObject only)',
};

interface Templates {
  externalId: string;
  principalArn: string;
  trustPolicy: Record<string, unknown>;
  permissionPolicy: Record<string, unknown>;
  cloudFormation: string;
  cloudFormationUrl: string;
  /** Only when the operator published the generic template (ROLEGATE_TEMPLATE_URL). */
  quickCreateUrl: string | null;
  cloudFormationSteps: string[];
  roleName: string;
  terraform: string;
  awsCli: string;
}

export interface VerifyResult {
  status: 'verified' | 'unsafe' | 'failed';
  checks: Check[];
}

function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

/** The organisation's connections (also read by other views: one cache entry). */
export function useConnections(orgId: string) {
  return useQuery({
    queryKey: ['org', orgId, 'connections'],
    queryFn: () => api<Page<Connection>>('GET', `/v1/orgs/${orgId}/connections?limit=100`),
    enabled: orgId !== '',
  });
}

export function ConnectionsView({
  orgId,
  canConnect,
}: {
  orgId: string;
  /** The role may create connections (connections:write); otherwise the wizard is not offered. */
  canConnect: boolean;
}) {
  const queryClient = useQueryClient();
  const conns = useConnections(orgId);
  const [wizard, setWizard] = useState(false);
  const connectButton = useRef<HTMLButtonElement>(null);
  if (wizard) {
    return (
      <Wizard
        orgId={orgId}
        onClose={() => {
          setWizard(false);
          void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] });
          focusSoon(connectButton);
        }}
      />
    );
  }
  return (
    <section aria-labelledby="conn-h">
      <div className="section-head">
        <ViewHeading id="conn-h">AWS connections</ViewHeading>
        {canConnect && (
          <button type="button" ref={connectButton} onClick={() => setWizard(true)}>
            Connect an AWS account
          </button>
        )}
      </div>
      <QueryView query={conns} label="Loading connections…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>
              {canConnect ? (
                <>
                  No AWS account is connected yet. Choose <strong>Connect an AWS account</strong>: Rolegate
                  generates a least-privilege role for you to create in the account, then verifies it.
                </>
              ) : (
                <>No AWS account is connected yet. An admin of the organisation can connect one.</>
              )}
            </Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Account</th>
                  <th scope="col">Capabilities</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last verified</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((c) => (
                  <tr key={c.id}>
                    <td>{c.name}</td>
                    <td>{c.accountId ?? '—'}</td>
                    <td>{c.capabilities.join(', ')}</td>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                    <td>{formatTime(c.lastVerifiedAt)}</td>
                    <td>
                      <Link
                        className="button secondary small"
                        to={`/orgs/${orgId}/connections/${c.id}`}
                        aria-label={`Open ${c.name}`}
                      >
                        Open
                      </Link>
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

type Step = 'capabilities' | 'templates' | 'arn' | 'report';

function Wizard({ orgId, onClose }: { orgId: string; onClose: () => void }) {
  const [step, setStep] = useState<Step>('capabilities');
  const [name, setName] = useState('');
  const [caps, setCaps] = useState<Capability[]>(['s3-read']);
  const [regions, setRegions] = useState('');
  const [buckets, setBuckets] = useState('');
  const [prefixes, setPrefixes] = useState('');
  const [logGroups, setLogGroups] = useState('');
  const [tables, setTables] = useState('');
  const [functions, setFunctions] = useState('');
  const [roleName, setRoleName] = useState('');
  // The tags clean-up requires: the role's policy enforces exactly these and the dry run checks them.
  const [cleanupTags, setCleanupTags] = useState('rolegate-cleanup=allowed');
  const [conn, setConn] = useState<Connection | null>(null);
  const [templates, setTemplates] = useState<Templates | null>(null);
  const [roleArn, setRoleArn] = useState('');
  const [result, setResult] = useState<VerifyResult | null>(null);
  const connections = `/v1/orgs/${orgId}/connections`;

  const createConn = useMutation({
    mutationFn: async () => {
      const tagConditions = Object.fromEntries(
        list(cleanupTags).map((pair) => [
          pair.slice(0, pair.indexOf('=')),
          pair.slice(pair.indexOf('=') + 1),
        ]),
      );
      const created = await api<Connection>('POST', connections, {
        name,
        ...(roleName.trim() === '' ? {} : { roleName: roleName.trim() }),
        capabilities: caps,
        scopes: {
          regions: list(regions),
          s3Buckets: list(buckets),
          s3Prefixes: list(prefixes),
          logGroupPrefixes: list(logGroups),
          dynamodbTables: list(tables),
          lambdaFunctionPatterns: list(functions),
          cleanupTagConditions: tagConditions,
        },
      });
      setConn(created);
      return { created, templates: await api<Templates>('GET', `${connections}/${created.id}/templates`) };
    },
    onSuccess: ({ templates: t }) => {
      setTemplates(t);
      setStep('templates');
    },
  });

  const saveArn = useMutation({
    mutationFn: async (connId: string) => {
      const updated = await api<Connection>('PATCH', `${connections}/${connId}`, { roleArn: roleArn.trim() });
      setConn(updated);
      return api<VerifyResult>('POST', `${connections}/${connId}/verify`, {});
    },
    onSuccess: (verified) => {
      setResult(verified);
      setStep('report');
    },
  });

  const verifyAgain = useMutation({
    mutationFn: (connId: string) => api<VerifyResult>('POST', `${connections}/${connId}/verify`, {}),
    onSuccess: setResult,
  });

  function create(e: FormEvent) {
    e.preventDefault();
    createConn.mutate();
  }

  function submitArn(e: FormEvent) {
    e.preventDefault();
    if (conn !== null) saveArn.mutate(conn.id);
  }

  const busy = createConn.isPending
    ? 'Creating the connection…'
    : saveArn.isPending
      ? 'Saving the role ARN and verifying…'
      : verifyAgain.isPending
        ? 'Verifying…'
        : null;

  const steps: [Step, string][] = [
    ['capabilities', '1. Capabilities and scopes'],
    ['templates', '2. Create the role'],
    ['arn', '3. Role ARN'],
    ['report', '4. Verification'],
  ];

  return (
    <section aria-labelledby="wiz-h">
      <div className="section-head">
        <ViewHeading id="wiz-h">Connect an AWS account</ViewHeading>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <ol className="steps" aria-label="Wizard steps">
        {steps.map(([s, label]) => (
          <li key={s} aria-current={s === step ? 'step' : undefined} className={s === step ? 'current' : ''}>
            {label}
          </li>
        ))}
      </ol>
      {busy !== null && <Busy label={busy} />}

      {step === 'capabilities' && (
        <form className="card" onSubmit={create} aria-label="Capabilities and scopes">
          <label>
            Connection name
            <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            IAM role name (optional; default <code>Rolegate-</code> and part of the connection id, unique per
            connection)
            <input
              maxLength={64}
              pattern="[\w+=,.@\-]{1,64}"
              value={roleName}
              onChange={(e) => setRoleName(e.target.value)}
            />
          </label>
          <fieldset>
            <legend>Capabilities (what Rolegate may do in the account)</legend>
            {CAPABILITIES.map((c) => (
              <label key={c} className="check">
                <input
                  type="checkbox"
                  checked={caps.includes(c)}
                  onChange={(e) => setCaps(e.target.checked ? [...caps, c] : caps.filter((x) => x !== c))}
                />
                <code>{c}</code> — {CAPABILITY_TEXT[c]}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Scopes (optional; empty means every resource the capability covers)</legend>
            <p className="muted small">Separate several values with commas or spaces.</p>
            <label>
              Regions
              <input
                value={regions}
                onChange={(e) => setRegions(e.target.value)}
                placeholder="eu-west-1, us-east-1"
              />
            </label>
            <label>
              S3 buckets
              <input value={buckets} onChange={(e) => setBuckets(e.target.value)} />
            </label>
            <label>
              S3 key prefixes
              <input value={prefixes} onChange={(e) => setPrefixes(e.target.value)} />
            </label>
            <label>
              Log group prefixes
              <input value={logGroups} onChange={(e) => setLogGroups(e.target.value)} />
            </label>
            <label>
              DynamoDB tables
              <input value={tables} onChange={(e) => setTables(e.target.value)} />
            </label>
            <label>
              Lambda function patterns
              <input
                value={functions}
                onChange={(e) => setFunctions(e.target.value)}
                placeholder="orders-*"
              />
            </label>
            <label>
              Clean-up tags (key=value; the role may delete only resources carrying all of them, and the dry
              run checks the same)
              <input value={cleanupTags} onChange={(e) => setCleanupTags(e.target.value)} />
            </label>
          </fieldset>
          <MutationError mutation={createConn} />
          <button type="submit" disabled={busy !== null || caps.length === 0}>
            Create and generate templates
          </button>
        </form>
      )}

      {step === 'templates' && templates !== null && (
        <div className="card">
          <h3>Create the role in your AWS account</h3>
          <p>
            The role trusts <code>{templates.principalArn}</code> only with the external ID{' '}
            <code data-testid="external-id">{templates.externalId}</code>{' '}
            <CopyButton text={templates.externalId} label="Copy external ID" />. Pick one of the ways below.
          </p>
          <p>
            Role name: <code>{templates.roleName}</code>
          </p>
          {templates.quickCreateUrl !== null && (
            <p>
              <a className="button" href={templates.quickCreateUrl} target="_blank" rel="noopener noreferrer">
                Open the CloudFormation quick-create page
              </a>
            </p>
          )}
          <ol aria-label="CloudFormation steps">
            {templates.cloudFormationSteps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
          {templates.quickCreateUrl === null && (
            <p>
              <a
                className="button secondary"
                href={`data:application/yaml;charset=utf-8,${encodeURIComponent(templates.cloudFormation)}`}
                download={`rolegate-${conn?.id ?? 'connection'}.yaml`}
              >
                Download the CloudFormation template
              </a>
            </p>
          )}
          <CodeBlock title="Trust policy" text={JSON.stringify(templates.trustPolicy, null, 2)} />
          <CodeBlock title="Permission policy" text={JSON.stringify(templates.permissionPolicy, null, 2)} />
          <CodeBlock title="Terraform" text={templates.terraform} />
          <CodeBlock title="AWS CLI" text={templates.awsCli} />
          <CodeBlock title="CloudFormation" text={templates.cloudFormation} />
          <button type="button" onClick={() => setStep('arn')}>
            I created the role — next
          </button>
        </div>
      )}

      {step === 'arn' && (
        <form className="card" onSubmit={submitArn} aria-label="Connect the role">
          <label>
            Role ARN
            <input
              required
              value={roleArn}
              onChange={(e) => setRoleArn(e.target.value)}
              placeholder="arn:aws:iam::123456789012:role/RolegateAccess"
              maxLength={2048}
              aria-invalid={
                saveArn.error instanceof ApiError && saveArn.error.messagesFor('roleArn').length > 0
              }
              aria-describedby="role-arn-error"
            />
            <FieldMessage error={saveArn.error} path="roleArn" id="role-arn-error" />
          </label>
          <MutationError mutation={saveArn} />
          <div className="row">
            <button type="button" className="secondary" onClick={() => setStep('templates')}>
              Back to templates
            </button>
            <button type="submit" disabled={busy !== null}>
              Save and verify
            </button>
          </div>
        </form>
      )}

      {step === 'report' && result !== null && conn !== null && (
        <>
          <MutationError mutation={verifyAgain} />
          <VerificationReport
            result={result}
            retrying={verifyAgain.isPending}
            onRetry={() => verifyAgain.mutate(conn.id)}
            onEditArn={() => setStep('arn')}
            onDone={onClose}
          />
        </>
      )}
    </section>
  );
}

export function VerificationReport({
  result,
  retrying,
  onRetry,
  onEditArn,
  onDone,
}: {
  result: VerifyResult;
  retrying: boolean;
  onRetry: () => void;
  onEditArn?: () => void;
  onDone?: () => void;
}) {
  return (
    <section className="card" aria-label="Verification report">
      <h3>
        Verification: <StatusBadge status={result.status} />
      </h3>
      {result.status === 'verified' && (
        <p>The role works and grants exactly what the chosen capabilities need.</p>
      )}
      {result.status === 'unsafe' && (
        <div className="error" role="alert">
          <strong>Unsafe: the role can be assumed without the right external ID.</strong>
          <p>
            This is the confused-deputy risk: anyone who can make Rolegate's AWS principal assume a role (for
            instance another Rolegate customer who guesses or learns your role ARN) could reach your account.
            The trust policy must require <code>sts:ExternalId</code> to equal the value in the templates. Fix
            the trust policy, then verify again. Rolegate refuses to use the connection until then.
          </p>
        </div>
      )}
      {result.status === 'failed' && <p>Some checks failed. Each failed check says how to fix it.</p>}
      <ul className="checks">
        {result.checks.map((c) => (
          <li key={c.name} className={`check-${c.status}`}>
            <StatusBadge status={c.status} /> <strong>{c.name}</strong>
            {c.code !== undefined && <code className="muted"> {c.code}</code>}
            {c.advice !== undefined && <p className="advice">{c.advice}</p>}
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" onClick={onRetry} disabled={retrying}>
          Verify again
        </button>
        {onEditArn !== undefined && (
          <button type="button" className="secondary" onClick={onEditArn}>
            Change role ARN
          </button>
        )}
        {onDone !== undefined && (
          <button type="button" className="secondary" onClick={onDone}>
            Done
          </button>
        )}
      </div>
    </section>
  );
}
