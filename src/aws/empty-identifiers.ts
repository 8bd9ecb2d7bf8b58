import type { InitializeHandlerOptions, InitializeMiddleware, MiddlewareStack } from '@aws-sdk/types';

/**
 * AWS-compatible endpoints (LocalStack, moto) answer an empty string where AWS omits a field: moto's
 * DescribeAddresses gives `NetworkInterfaceId: ""` for an address attached to nothing, so code that
 * asks "is it associated?" with `!== undefined` gets the wrong answer. Rather than remember `|| undefined`
 * at every read, every SDK client Rolegate builds runs this after deserialising: an identifier field
 * (a name ending in Id, Ids, Arn, Arns or Identifier) holding "" is deleted, as AWS would have sent it,
 * and "" entries are dropped from identifier lists. Data fields are left alone: an empty string is
 * a legitimate value of a DynamoDB attribute, a log message or an S3 key.
 */

const IDENTIFIER_KEY = /(?:Id|Ids|Arn|Arns|Identifier)$/i;
/** Deserialised outputs are shallow; the bound only guards against a hostile endpoint's nesting. */
const MAX_DEPTH = 32;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Deletes empty identifier fields in place, in plain objects and arrays only (never in streams or Dates). */
export function dropEmptyIdentifiers(value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) dropEmptyIdentifiers(item, depth + 1);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (IDENTIFIER_KEY.test(key)) {
      if (field === '') {
        delete value[key];
        continue;
      }
      if (Array.isArray(field) && field.some((item) => item === '')) {
        value[key] = field.filter((item) => item !== '');
        continue;
      }
    }
    dropEmptyIdentifiers(field, depth + 1);
  }
}

const OPTIONS: InitializeHandlerOptions & { name: string } = {
  // The outermost step: it sees the final, deserialised output after retries.
  step: 'initialize',
  name: 'rolegateEmptyIdentifiersAsAbsent',
};

/** Registers the normalisation on a client; returns the client for use in an expression. */
export function withEmptyIdentifiersAsAbsent<
  I extends object,
  O extends object,
  C extends { middlewareStack: Pick<MiddlewareStack<I, O>, 'add'> },
>(client: C & { middlewareStack: Pick<MiddlewareStack<I, O>, 'add'> }): C {
  const middleware: InitializeMiddleware<I, O> = (next) => async (args) => {
    const result = await next(args);
    dropEmptyIdentifiers(result.output);
    return result;
  };
  client.middlewareStack.add(middleware, OPTIONS);
  return client;
}
