import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Field names whose values never reach a log line, at any depth. Matching by name rather than by a
 * fixed list of paths means a new field called e.g. `refreshToken` is covered without anyone
 * remembering to add it.
 */
export const SECRET_FIELD =
  /(pass(word|phrase)?|secret|token|api[_-]?key|^key$|private[_-]?key|access[_-]?key|authorization|cookie|external[_-]?id|totp|otp|backup[_-]?codes?|credentials?|signature|x-api-key)$/i;

export const REDACTED = '[REDACTED]';
const MAX_DEPTH = 8;

export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[TRUNCATED]';
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  // Only plain data is walked; class instances (requests, errors) go to their serializers untouched.
  const proto = Object.getPrototypeOf(value);
  // (Query objects are built on a null-prototype base, so one level of such a base counts as plain.)
  const plain = proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
  if (!plain) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELD.test(k) ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}

/**
 * Query parameters of the OAuth/OpenID Connect redirects (the SSO callback): an authorization code,
 * state or token in a URL is a credential while it lives, though the names are too generic to redact
 * everywhere (`code` is also every error code's field name).
 */
const URL_SECRET_PARAM = /^(code|state|id_token|session_state)$/i;

/** Keeps the path and redacts the value of query parameters whose names look secret. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) {
    if (SECRET_FIELD.test(name) || URL_SECRET_PARAM.test(name)) params.set(name, REDACTED);
  }
  const query = params.toString();
  return query === '' ? url.slice(0, q) : `${url.slice(0, q)}?${query}`;
}

interface SerializableRequest {
  id?: string;
  method?: string;
  url?: string;
  ip?: string;
  headers?: Record<string, unknown>;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: REDACTED,
    },
    formatters: {
      log: (obj) => redactDeep(obj) as Record<string, unknown>,
    },
    serializers: {
      req: (req: SerializableRequest) => ({
        id: req.id,
        method: req.method,
        url: typeof req.url === 'string' ? redactUrl(req.url) : undefined,
        ip: req.ip,
      }),
      err: (err: Error) => {
        // The standard serializer returns an object with its own prototype; copy it so it is walked.
        const s = { ...pino.stdSerializers.err(err) };
        return redactDeep(s) as Record<string, unknown>;
      },
    },
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination === undefined ? pino(loggerOptions(level)) : pino(loggerOptions(level), destination);
}
