import openapiTS, { astToString } from 'openapi-typescript';

/**
 * TypeScript types of the HTTP API, generated from the app's OpenAPI document with
 * openapi-typescript into packages/client/src/openapi.ts (committed). `npm run generate:api-types`
 * writes the file; test/http/openapi.test.ts regenerates it in memory and fails when it is stale.
 */
export const API_TYPES_FILE = 'packages/client/src/openapi.ts';

const HEADER =
  '// Generated from the Rolegate OpenAPI document by scripts/generate-api-types.ts. Do not edit:\n' +
  '// run `npm run generate:api-types` (test/http/openapi.test.ts fails while this file is stale).\n\n';

type Json = Record<string, unknown>;

function at(document: unknown, path: readonly string[]): unknown {
  let node: unknown = document;
  for (const key of path) node = typeof node === 'object' && node !== null ? (node as Json)[key] : undefined;
  return node;
}

function enumAt(document: unknown, path: readonly string[]): string[] {
  const values = at(document, path);
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new Error(`the OpenAPI document has no string enum at ${path.join('.')}`);
  }
  return values as string[];
}

/**
 * Enumerations the console and programs need as values (openapi-typescript gives types only; its
 * `enumValues` option emits code that does not type-check for nullable objects), read from the
 * document so that they cannot drift from the API.
 */
const VALUE_LISTS: ReadonlyArray<{ name: string; doc: string; path: readonly string[] }> = [
  {
    name: 'CAPABILITIES',
    doc: 'The capabilities a connection can be granted (the catalogue, src/connections).',
    path: [
      'paths',
      '/v1/orgs/{orgId}/connections',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema',
      'properties',
      'capabilities',
      'items',
      'enum',
    ],
  },
  {
    name: 'ROLES',
    doc: 'Organisation roles, weakest first.',
    path: [
      'paths',
      '/v1/me',
      'get',
      'responses',
      '200',
      'content',
      'application/json',
      'schema',
      'properties',
      'organizations',
      'items',
      'properties',
      'role',
      'enum',
    ],
  },
  {
    name: 'ERROR_CODES',
    doc: 'Every stable error code of the error envelope.',
    path: ['components', 'schemas', 'Error', 'properties', 'error', 'properties', 'code', 'enum'],
  },
];

export async function renderApiTypes(document: unknown): Promise<string> {
  // The document is the app's own (already a JSON object); openapi-typescript reads it as such.
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { alphabetize: true });
  const lists = VALUE_LISTS.map(
    ({ name, doc, path }) =>
      `/** ${doc} */\nexport const ${name} = ${JSON.stringify(enumAt(document, path))} as const;\n`,
  ).join('');
  return `${HEADER}${astToString(ast)}\n${lists}`;
}
