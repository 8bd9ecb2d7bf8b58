// Every table of every feature, for Drizzle's typed queries and drizzle-kit's migrations.
// Each feature keeps its tables in its own folder (`<feature>/tables.ts`) and adds one line here.

export * from '../approvals/tables.ts';
export * from '../audit/checkpoints/tables.ts';
export * from '../audit/export-target/tables.ts';
export * from '../audit/tables.ts';
export * from '../connection-groups/tables.ts';
export * from '../connections/tables.ts';
export * from '../crypto/tables.ts';
export * from '../identity/api-keys/tables.ts';
export * from '../identity/orgs/tables.ts';
export * from '../identity/tables.ts';
export * from '../oauth/tables.ts';
export * from '../reconcile/tables.ts';
export * from '../scans/tables.ts';
export * from '../scim/tables.ts';
export * from '../sso/tables.ts';
export * from '../webhooks/tables.ts';
export * from './core-tables.ts';
