import type { FastifyInstance } from 'fastify';
import { AppError, ErrorCode } from '../core/errors.ts';

/**
 * The deepest nesting of `[` / `{` in `text`, counted in one pass outside string literals, stopping
 * as soon as `limit` is exceeded. Linear in the body size, so it is safe to run before parsing.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * JSON bodies are refused past `maxDepth` levels of nesting before they are parsed. Parsing is
 * linear, but everything after it (schema validation, z.json(), serialisers, the audit writer) walks
 * values recursively: a 1 MiB body of `[[[[…` would otherwise reach them as a 500 000-level value.
 * Everything else is Fastify's own parser (prototype-poisoning checks included).
 */
export function registerJsonBodyParser(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthExceeds(text, maxDepth)) {
      done(
        new AppError(ErrorCode.BAD_REQUEST, `The JSON body is nested more than ${maxDepth} levels deep.`, {
          details: { maxDepth },
        }),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}
