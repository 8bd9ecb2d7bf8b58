import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const API_PREFIXES = ['/v1/', '/mcp', '/docs', '/healthz', '/readyz', '/oauth/', '/.well-known/'];

/**
 * Serves the built console (web/dist) from the same origin as the API, so the strict CSP holds and
 * cookies stay first-party. Unknown non-API GETs that accept HTML get index.html (client routing).
 */
export async function registerConsole(app: FastifyInstance, dir = CONSOLE_DIR): Promise<Buffer | null> {
  const index = `${dir}/index.html`;
  if (!existsSync(index)) {
    app.log.warn('console not built (web/dist missing): run `npm run build:web`');
    return null;
  }
  const html = readFileSync(index);
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: false,
    maxAge: '1h',
    immutable: false,
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html),
  );
  return html;
}

/** Used by the not-found handler: answers client-side routes with the console's index.html. */
export function sendConsoleFallback(
  consoleIndex: Buffer | null,
  request: FastifyRequest,
  reply: FastifyReply,
): boolean {
  if (consoleIndex === null || request.method !== 'GET') return false;
  const path = request.url.split('?')[0] ?? '';
  if (API_PREFIXES.some((p) => path === p || path.startsWith(p))) return false;
  if (!String(request.headers.accept ?? '').includes('text/html')) return false;
  void reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(consoleIndex);
  return true;
}
