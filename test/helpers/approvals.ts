import { approvalPolicies } from '../../src/approvals/tables.ts';
import type { TestApp } from './app.ts';

/**
 * Sets an organisation's approval policy to "nothing needs approval". Every organisation starts
 * with the default policy (clean-up, Lambda invoke and S3 writes need a second person); suites that
 * test those operations themselves, not the four-eyes rule, opt out with this.
 */
export async function withoutApprovals(t: TestApp, orgId: string): Promise<void> {
  const values = {
    operations: [],
    approverRoles: ['admin', 'owner'],
    approvalsRequired: 1,
    grantTtlSeconds: 3600,
    grantMode: 'single_use' as const,
    updatedBy: null,
    updatedAt: new Date(),
  };
  await t.database.db
    .insert(approvalPolicies)
    .values({ orgId, ...values })
    .onConflictDoUpdate({ target: approvalPolicies.orgId, set: values });
}
