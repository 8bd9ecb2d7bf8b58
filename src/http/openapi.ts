import { ErrorCode } from '../core/errors.ts';

/**
 * The parts of the OpenAPI document that no single route declares: the error envelope every route
 * answers with (src/http/error-handler.ts) and the Content-Security-Policy of the /docs page.
 * Errors are added to the document only, not to the routes' response schemas, so that the error
 * handler's replies are never re-serialised (and never trimmed) by a route's schema.
 */

type Json = Record<string, unknown>;

export const ERROR_SCHEMA_NAME = 'Error';

const errorSchema: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'requestId'],
      properties: {
        code: {
          type: 'string',
          enum: Object.values(ErrorCode),
          description: 'Stable, machine-readable code.',
        },
        message: { type: 'string', description: 'A human message; never internals.' },
        requestId: { type: 'string', description: 'Quote it when asking for support (also `x-request-id`).' },
        details: {
          type: 'object',
          description: 'Code-specific context; `fields` for `validation_failed`.',
          properties: {
            fields: {
              type: 'array',
              items: {
                type: 'object',
                required: ['location', 'path', 'message'],
                properties: {
                  location: { type: 'string', description: '`body`, `querystring`, `params` or `headers`.' },
                  path: {
                    type: 'string',
                    description: 'Dotted path of the field, e.g. `scopes.s3.buckets.0`.',
                  },
                  message: { type: 'string' },
                },
              },
            },
          },
          additionalProperties: true,
        },
      },
    },
  },
};

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'The request is not valid (`validation_failed` lists the fields in `details.fields`).',
  '401': 'No valid credential (missing, expired or revoked token or API key).',
  '403': 'The role or the API key scope does not permit this.',
  '404': 'Not found, or it belongs to another organisation (the same answer).',
  '429': 'Rate limited; retry after `Retry-After` seconds.',
  '503': 'A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given.',
};

function errorResponse(description: string): Json {
  return {
    description,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } },
  };
}

/**
 * fastify-type-provider-zod names a recursive schema (z.json(), the Lambda payload) `schemaN` in a
 * per-route registry that never reaches the document, leaving a dangling `$ref`. Such a reference
 * becomes "any JSON value" (`{}`), which is what the schema accepts; resolvable ones are kept.
 */
function replaceDanglingRefs(node: unknown, schemas: Json): unknown {
  if (Array.isArray(node)) return node.map((n) => replaceDanglingRefs(n, schemas));
  if (typeof node !== 'object' || node === null) return node;
  const ref = (node as Json).$ref;
  if (typeof ref === 'string') {
    const prefix = '#/components/schemas/';
    const known = ref.startsWith(prefix) && Object.hasOwn(schemas, ref.slice(prefix.length));
    return known ? node : { description: 'Any JSON value.' };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) out[key] = replaceDanglingRefs(value, schemas);
  return out;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/**
 * Adds the error envelope and, per operation, the error answers it can give (kept when declared);
 * resolves dangling references (below).
 */
export function documentErrors<D extends Json>(document: D): D {
  const components = (document.components ?? {}) as Json;
  const schemas = (components.schemas ?? {}) as Json;
  schemas[ERROR_SCHEMA_NAME] = errorSchema;
  components.schemas = schemas;
  (document as Json).components = components;
  const paths = replaceDanglingRefs(document.paths ?? {}, schemas) as Record<string, Record<string, Json>>;
  (document as Json).paths = paths;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method) || typeof operation !== 'object' || operation === null) continue;
      const responses = (operation.responses ?? {}) as Json;
      const secured = Array.isArray(operation.security) && operation.security.length > 0;
      const hasInput =
        operation.requestBody !== undefined ||
        (Array.isArray(operation.parameters) && operation.parameters.length > 0);
      const codes = [
        ...(hasInput ? ['400'] : []),
        ...(secured ? ['401', '403'] : []),
        ...(secured || path.includes('{') ? ['404'] : []),
        '429',
        '503',
      ];
      for (const code of codes) {
        responses[code] ??= errorResponse(ERROR_RESPONSES[code]!);
      }
      operation.responses = responses;
    }
  }
  return document;
}

/**
 * CSP of the /docs page (Swagger UI, @fastify/swagger-ui). As strict as the console's except
 * `style-src 'unsafe-inline'`: Swagger UI sets inline styles and breaks without them. Inline
 * styles cannot run script, and the page renders only our own document; scripts stay 'self'.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
].join('; ');
