/**
 * Audit actions and outcomes in words. Sign-in actions are nouns ("Sign-in", not "Signed in"): the
 * outcome beside them says whether it worked. The raw action stays visible next to the words (it is
 * what filters and exports use); an action this table does not know is spelled out from its parts,
 * so a new action is readable before anyone adds it here.
 */

const ACTIONS: Record<string, string> = {
  'account.deleted': 'Deleted their account',
  'account.exported': 'Exported their personal data',
  'api_key.created': 'Created an API key',
  'api_key.revoked': 'Revoked an API key',
  'approval.decided': 'Decided on an approval request',
  'approval.expired': 'Approval request expired',
  'approval.policy_updated': 'Changed the approval policy',
  'approval.requested': 'Asked for approval',
  'approval.revoked': 'Withdrew an approval request',
  'approval.used': 'Used an approval',
  'audit.checkpoint': 'Signed an audit checkpoint',
  'audit.checkpoint_requested': 'Asked for an audit checkpoint',
  'audit.export_target_removed': 'Stopped the audit export to S3',
  'audit.export_target_set': 'Set the audit export to S3',
  'audit.exported': 'Exported the audit log',
  'auth.break_glass': 'Break-glass sign-in with a password despite SSO',
  'auth.lockout': 'Sign-in lock-out after failed attempts',
  'auth.login': 'Sign-in',
  'auth.mfa.disabled': 'Turned off two-factor authentication',
  'auth.mfa.enabled': 'Turned on two-factor authentication',
  'auth.mfa.setup': 'Started two-factor set-up',
  'auth.mfa.verify': 'Two-factor check at sign-in',
  'auth.reauthenticate': 'Confirmed their password',
  'auth.signup': 'Signed up',
  'connection.created': 'Added an AWS connection',
  'connection.deleted': 'Deleted an AWS connection',
  'connection.disabled': 'Disabled an AWS connection',
  'connection.enabled': 'Enabled an AWS connection',
  'connection.expired': 'AWS connection expired',
  'connection.external_id_grace_expired': 'Old external ID retired',
  'connection.external_id_rotated': 'Rotated the external ID',
  'connection.failed': 'Connection verification failed',
  'connection.templates_viewed': 'Viewed the set-up templates',
  'connection.unsafe': 'Connection found unsafe',
  'connection.updated': 'Changed an AWS connection',
  'connection.verification_discarded': 'Verification report discarded',
  'connection.verified': 'Verified an AWS connection',
  'connection_group.created': 'Added an AWS Organizations group',
  'connection_group.deleted': 'Deleted an AWS Organizations group',
  'connection_group.scans_started': 'Started scans across an organisation',
  'connection_group.synced': 'Synced AWS Organizations accounts',
  'connection_group.templates_viewed': 'Viewed the StackSet templates',
  'finding.cleaned': 'Cleaned up a waste finding',
  'finding.cleanup_partial': 'Cleaned up a finding in part',
  'finding.dismissed': 'Dismissed a waste finding',
  'invitation.accepted': 'Accepted an invitation',
  'invitation.created': 'Invited someone',
  'invitation.revoked': 'Cancelled an invitation',
  'member.removed': 'Left the organisation (account deleted)',
  'membership.added': 'Added a member',
  'membership.left': 'Left the organisation',
  'membership.removed': 'Removed a member',
  'membership.role_changed': "Changed a member's role",
  'oauth.grant_created': 'Granted an AI agent access',
  'oauth.grant_revoked': "Revoked an AI agent's access",
  'org.created': 'Created the organisation',
  'org.deleted': 'Deleted the organisation',
  'org.updated': 'Renamed the organisation',
  'password.changed': 'Changed their password',
  'reconciliation.completed': 'CloudTrail reconciliation finished',
  'reconciliation.requested': 'Started a CloudTrail reconciliation',
  'scan.cancelled': 'Cancelled a waste scan',
  'scan.requested': 'Started a waste scan',
  'scim.token_created': 'Created a SCIM token',
  'scim.token_revoked': 'Revoked a SCIM token',
  'scim.user_created': 'SCIM provisioned a user',
  'scim.user_deleted': 'SCIM removed a user',
  'session.refresh_reuse_detected': 'Reuse of an old session token detected',
  'session.refreshed': 'Session renewed',
  'session.revoked': 'Sign-out',
  'sso.configured': 'Set up single sign-on',
  'sso.deleted': 'Removed single sign-on',
  'sso.domain_added': 'Added an SSO domain',
  'sso.domain_removed': 'Removed an SSO domain',
  'sso.domain_verified': 'Verified an SSO domain',
  'sso.login': 'Sign-in with SSO',
  'sso.updated': 'Changed single sign-on',
  'webhook.created': 'Added a webhook',
  'webhook.deleted': 'Deleted a webhook',
  'webhook.redelivered': 'Redelivered a webhook message',
  'webhook.test': 'Sent a webhook test',
  'webhook.test_sent': 'Sent a webhook test',
};

const SERVICES: Record<string, string> = {
  s3: 'S3',
  logs: 'CloudWatch Logs',
  dynamodb: 'DynamoDB',
  lambda: 'Lambda',
  sts: 'STS',
  audit: 'audit export',
  reconcile: 'CloudTrail',
};

const CLEANUP_ACTIONS: Record<string, string> = {
  delete_volume: 'delete EBS volume',
  delete_snapshot: 'delete EBS snapshot',
  release_address: 'release Elastic IP',
  delete_load_balancer: 'delete load balancer',
  deregister_image: 'deregister AMI',
};

const spaced = (s: string) => s.replace(/[_.]+/g, ' ').trim();

function capitalised(s: string): string {
  return s === '' ? s : `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
}

/** The action in words, e.g. `aws.s3.list_buckets` → "AWS S3: list buckets". */
export function actionWords(action: string): string {
  const known = ACTIONS[action];
  if (known !== undefined) return known;
  const parts = action.split('.');
  if (parts[0] === 'aws' && parts.length >= 3) {
    const [, area = '', op = '', phase] = parts;
    if (area === 'cleanup') {
      const what = CLEANUP_ACTIONS[op] ?? spaced(op);
      if (phase === 'check') return `Clean-up check before: ${what}`;
      if (phase === 'recheck') return `Clean-up re-check before: ${what}`;
      return `Clean-up: ${what}`;
    }
    if (area === 'verify') {
      return parts[2] === 'trust'
        ? `Verification: trust check (${spaced(parts.slice(3).join(' '))})`
        : `Verification: ${spaced(parts.slice(2).join(' '))} probe`;
    }
    if (area === 'scan') return `Waste scan: ${spaced(parts.slice(2).join(' '))}`;
    return `AWS ${SERVICES[area] ?? area}: ${spaced(parts.slice(2).join(' '))}`;
  }
  if (parts[0] === 'threat') return `Threat: ${spaced(parts.slice(1).join(' '))}`;
  return capitalised(spaced(action));
}

export interface OutcomeLabel {
  text: string;
  /** A badge class from styles.css. */
  className: string;
}

const OUTCOMES: Record<string, OutcomeLabel> = {
  success: { text: 'Succeeded', className: 'badge-success' },
  failure: { text: 'Failed', className: 'badge-failure' },
  denied: { text: 'Denied', className: 'badge-denied' },
  attempt: { text: 'Started', className: 'badge-attempt' },
  error: { text: 'Error', className: 'badge-error' },
};

/** Whether a record is a clean-up dry run: the AWS DryRun calls, which never delete anything. */
export function isDryRun(action: string, details: Record<string, unknown>): boolean {
  return action.startsWith('aws.cleanup.') && details.dryRun === true;
}

/** The clean-up's real, destructive step (not its dry run, not its read-only checks). */
function isRealDeletion(action: string, details: Record<string, unknown>): boolean {
  if (action === 'finding.cleaned') return true;
  const parts = action.split('.');
  return parts[0] === 'aws' && parts[1] === 'cleanup' && parts.length === 3 && details.dryRun === false;
}

/**
 * The outcome badge. A clean-up dry run says plainly that nothing was deleted, whatever its
 * outcome; a real deletion says "Deleted" only when it succeeded — the two must never look alike.
 */
export function outcomeLabel(r: {
  action: string;
  outcome: string;
  details: Record<string, unknown>;
}): OutcomeLabel {
  if (isDryRun(r.action, r.details)) {
    const text =
      r.outcome === 'success'
        ? 'Dry run — nothing deleted'
        : r.outcome === 'attempt'
          ? 'Dry run started — nothing deleted'
          : 'Dry run failed — nothing deleted';
    return { text, className: 'badge-dry-run' };
  }
  if (r.action === 'finding.cleanup_partial') return { text: 'Partly deleted', className: 'badge-deleted' };
  if (isRealDeletion(r.action, r.details)) {
    if (r.outcome === 'success') return { text: 'Deleted', className: 'badge-deleted' };
    if (r.outcome === 'attempt') return { text: 'Deletion started', className: 'badge-attempt' };
    return { text: 'Deletion failed', className: 'badge-failure' };
  }
  return OUTCOMES[r.outcome] ?? { text: r.outcome, className: '' };
}

export const OUTCOME_CHOICES = ['success', 'failure', 'denied', 'attempt', 'error'] as const;

export function outcomeChoiceLabel(outcome: string): string {
  return OUTCOMES[outcome]?.text ?? outcome;
}
