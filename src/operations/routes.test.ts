import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OPERATIONS } from './catalogue.ts';
import { restRoutes, routeAccess, routeSchema } from './routes.ts';
import { listBuckets, presignGet, presignPut } from './s3.ts';
import type { Operation } from './types.ts';

const withRest = (op: Operation, rest: Operation['rest'], input: z.ZodType = op.input): Operation => ({
  ...op,
  rest,
  input,
});

describe('REST routes from the catalogue', () => {
  it('leaves the streamed routes out and groups presign GET/PUT into one route', () => {
    const routes = restRoutes(OPERATIONS);
    expect(routes.some((r) => r.rest.streamed === true)).toBe(false);
    const presign = routes.filter((r) => r.rest.path === '/s3/presign');
    expect(presign).toHaveLength(1);
    expect(presign[0]?.variants).toEqual([presignGet, presignPut]);
    expect(routeAccess([presignPut, presignGet]).permission).toBe('s3:read');
  });

  it('takes a GET operation’s fields from the query string, numbers coerced and defaults left to the operation', () => {
    const [route] = restRoutes([listBuckets]);
    if (route === undefined) throw new Error('no route');
    const query = routeSchema(route).querystring as z.ZodObject;
    expect(query.parse({ limit: '20' })).toEqual({ limit: 20 });
    expect(query.parse({})).toEqual({});
    expect(query.safeParse({ limit: '0' }).success).toBe(false);
    expect(query.safeParse({ other: 'x' }).success).toBe(false);
  });

  it('refuses, at start-up, two operations on one route without a variant field', () => {
    const a = withRest(listBuckets, { method: 'GET', path: '/x', summary: 'x' });
    const b = withRest({ ...listBuckets, name: 'other' }, { method: 'GET', path: '/x', summary: 'x' });
    expect(() => restRoutes([a, b])).toThrow(/same input and a variant field/);
  });

  it('refuses a path segment that is not an input field, and a boolean in a query string', () => {
    const [missing] = restRoutes([withRest(listBuckets, { method: 'GET', path: '/x/:nope', summary: 'x' })]);
    if (missing === undefined) throw new Error('no route');
    expect(() => routeSchema(missing)).toThrow(/:nope is not an input field/);
    const [flag] = restRoutes([
      withRest(listBuckets, { method: 'GET', path: '/x', summary: 'x' }, z.strictObject({ on: z.boolean() })),
    ]);
    if (flag === undefined) throw new Error('no route');
    expect(() => routeSchema(flag)).toThrow(/cannot come from the query string/);
  });
});
