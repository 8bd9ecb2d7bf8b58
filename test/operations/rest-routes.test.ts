import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/operations/catalogue.ts';
import { restRoutes, routeAccess } from '../../src/operations/routes.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const BASE = '/v1/orgs/:orgId/connections/:connId';

// The REST routes of the catalogue are generated from each operation's `rest` description; this
// walks the catalogue against the app's route table, so an operation whose route went missing,
// or whose route declares another permission or rate-limit class than the operation, fails here.
describe('catalogue operations in the route table', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('every operation has its route, with the permission and rate-limit class it declares', () => {
    const shared = new Map(
      restRoutes(OPERATIONS).map((r) => [`${r.rest.method} ${r.rest.path}`, r.variants]),
    );
    for (const op of OPERATIONS) {
      const entry = t.app.routeTable.find(
        (r) => r.method === op.rest.method && r.url === `${BASE}${op.rest.path}`,
      );
      expect(entry, `${op.name}: ${op.rest.method} ${op.rest.path}`).toBeDefined();
      const variants = shared.get(`${op.rest.method} ${op.rest.path}`) ?? [op];
      const { permission, expensive } = routeAccess(variants);
      if (variants.length === 1) expect(permission).toBe(op.permission);
      expect(entry?.permission, op.name).toBe(permission);
      expect(entry?.rateLimitClass, op.name).toBe(expensive ? 'expensive' : undefined);
      // POST routes have a JSON body schema; the streamed upload (PUT) takes the raw body.
      expect(entry?.hasBody, op.name).toBe(op.rest.method === 'POST');
    }
  });

  it('a route shared by presign GET and PUT admits the weaker permission (the service checks the stronger)', () => {
    const presign = t.app.routeTable.find((r) => r.url === `${BASE}/s3/presign`);
    expect(presign?.permission).toBe('s3:read');
    expect(
      OPERATIONS.filter((op) => op.rest.path === '/s3/presign')
        .map((op) => op.permission)
        .sort(),
    ).toEqual(['s3:read', 's3:write']);
  });

  it('the connection routes are the catalogue’s and nothing else', () => {
    const operationRoutes = t.app.routeTable
      .filter((r) => /\/connections\/:connId\/(s3|logs|dynamodb|lambda)\//.test(r.url))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    const declared = [...new Set(OPERATIONS.map((op) => `${op.rest.method} ${BASE}${op.rest.path}`))].sort();
    expect(operationRoutes).toEqual(declared);
  });
});
