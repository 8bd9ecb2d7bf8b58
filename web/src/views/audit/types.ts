import type { paths } from '@rolegate/client/openapi';

// The audit API's shapes, from the OpenAPI document (npm run generate:api-types), never by hand.
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export type AuditPage = Json<paths['/v1/orgs/{orgId}/audit']['get']['responses']['200']>;
export type SignInPage = Json<paths['/v1/orgs/{orgId}/audit/sign-ins']['get']['responses']['200']>;
/** A record of either list; sign-ins also say which chain they come from and the device. */
export type AuditRecord = AuditPage['items'][number] &
  Partial<Pick<SignInPage['items'][number], 'chain' | 'device'>>;
export type ActorDisplay = AuditPage['actors'][string];
export type Display = Pick<AuditPage, 'actors' | 'connections'>;
export type Verify = Json<paths['/v1/orgs/{orgId}/audit/verify']['get']['responses']['200']>;
export type Member = Json<paths['/v1/orgs/{orgId}/members']['get']['responses']['200']>['items'][number];
export type ConnectionSummary = Json<
  paths['/v1/orgs/{orgId}/connections']['get']['responses']['200']
>['items'][number];
