import type { Client, Middleware } from 'openapi-fetch';
import createFetchClient from 'openapi-fetch';
import type { components, paths } from './openapi.ts';

/**
 * @rolegate/client: the Rolegate HTTP API, typed from its OpenAPI document (./openapi.ts is
 * generated; see the README). `api` is an openapi-fetch client whose every path, parameter, body and
 * response is typed; a non-2xx answer throws RolegateError. Helpers cover cursor pagination and
 * NDJSON listings.
 */
export type { components, paths } from './openapi.ts';
export * from './openapi.ts';

export type ErrorBody = components['schemas']['Error'];
export type ErrorCode = ErrorBody['error']['code'];

export interface FieldError {
  /** `body`, `querystring`, `params` or `headers`. */
  location: string;
  /** Dotted path of the field, e.g. `scopes.s3.buckets.0`. */
  path: string;
  message: string;
}

/** What a RolegateError is made of; `parseErrorAnswer` reads it from an answer. */
export interface RolegateErrorInit {
  status: number;
  code: ErrorCode | 'unexpected_response';
  message: string;
  requestId: string | null;
  details?: Record<string, unknown> | undefined;
  retryAfter?: number | null;
}

/** An error answer of the API: its stable code, message, request ID and details. */
export class RolegateError extends Error {
  override readonly name: string = 'RolegateError';
  readonly status: number;
  /** A stable code such as `validation_failed` or `not_found`; `unexpected_response` when the body was not the API's error envelope. */
  readonly code: ErrorCode | 'unexpected_response';
  readonly requestId: string | null;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds to wait before retrying (429, some 503), from `Retry-After`. */
  readonly retryAfter: number | null;

  constructor(input: RolegateErrorInit) {
    super(input.message);
    this.status = input.status;
    this.code = input.code;
    this.requestId = input.requestId;
    this.details = input.details;
    this.retryAfter = input.retryAfter ?? null;
  }

  /** The invalid fields of a `validation_failed` answer (empty otherwise); malformed entries are dropped. */
  get fields(): FieldError[] {
    const fields = this.details?.fields;
    if (!Array.isArray(fields)) return [];
    return fields.filter(
      (f): f is FieldError =>
        typeof f === 'object' &&
        f !== null &&
        typeof (f as FieldError).location === 'string' &&
        typeof (f as FieldError).path === 'string' &&
        typeof (f as FieldError).message === 'string',
    );
  }

  /**
   * The approval request a `202 approval_required` answer made or reused (docs/approvals.md): the
   * operation was not done and may be retried once the request is approved. Null otherwise.
   */
  get approvalRequestId(): string | null {
    const id = this.details?.approvalRequestId;
    return this.code === 'approval_required' && typeof id === 'string' ? id : null;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, requestId, details } = error as Record<string, unknown>;
  return (
    typeof code === 'string' &&
    typeof message === 'string' &&
    (requestId === undefined || typeof requestId === 'string') &&
    (details === undefined || (typeof details === 'object' && details !== null && !Array.isArray(details)))
  );
}

/** The headers of an answer, as fetch's Response and XMLHttpRequest both expose them. */
export interface AnswerHeaders {
  get(name: string): string | null;
}

/** `Retry-After` in seconds (the API sends the delta form only), or null. */
function retryAfterOf(headers: AnswerHeaders): number | null {
  const raw = headers.get('retry-after')?.trim();
  return raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : null;
}

/**
 * Reads an error answer (any transport: fetch, XMLHttpRequest): the error envelope
 * `{ error: { code, message, requestId, details } }`, or `unexpected_response` when the body is not
 * one (a proxy's page, for instance). The one place the envelope is parsed.
 */
export function parseErrorAnswer(answer: {
  status: number;
  statusText?: string;
  headers: AnswerHeaders;
  body: string;
}): RolegateErrorInit {
  let body: unknown = null;
  try {
    body = JSON.parse(answer.body);
  } catch {
    // Not JSON: reported as an unexpected response below.
  }
  const retryAfter = retryAfterOf(answer.headers);
  const headerId = answer.headers.get('x-request-id');
  if (isErrorBody(body)) {
    return {
      status: answer.status,
      code: body.error.code,
      message: body.error.message,
      requestId: body.error.requestId ?? headerId,
      details: body.error.details,
      retryAfter,
    };
  }
  return {
    status: answer.status,
    code: 'unexpected_response',
    message: `HTTP ${answer.status} ${answer.statusText ?? ''}`.trim(),
    requestId: headerId,
    retryAfter,
  };
}

/**
 * A `202 approval_required` answer is a refusal to act, not a success (docs/approvals.md): its error,
 * or null for any other answer. Reads a copy of the body only for a 202.
 */
export function approvalRequiredAnswer(
  status: number,
  headers: AnswerHeaders,
  body: string,
): RolegateErrorInit | null {
  if (status !== 202) return null;
  const init = parseErrorAnswer({ status, headers, body });
  return init.code === 'approval_required' && typeof init.details?.approvalRequestId === 'string'
    ? init
    : null;
}

/** Builds the RolegateError of a non-2xx response (reads its body). */
export async function errorFromResponse(response: Response): Promise<RolegateError> {
  const body = await response.text().catch(() => '');
  return new RolegateError(
    parseErrorAnswer({
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      body,
    }),
  );
}

/** The RolegateError of a `202 approval_required` response, or null (reads a clone of a 202's body). */
export async function approvalRequiredFromResponse(response: Response): Promise<RolegateError | null> {
  if (response.status !== 202) return null;
  const body = await response
    .clone()
    .text()
    .catch(() => '');
  const init = approvalRequiredAnswer(response.status, response.headers, body);
  return init === null ? null : new RolegateError(init);
}

export interface RolegateClientOptions {
  /** Where Rolegate runs, e.g. `https://rolegate.example.com`. */
  baseUrl: string;
  /** An organisation API key (`rg_live_…`), or an access token; a function is called per request. */
  apiKey?: string | (() => string | Promise<string>);
  /** A fetch of your own (proxies, tests); defaults to the global fetch. */
  fetch?: (input: Request) => Promise<Response>;
}

/** One page of a cursor-paginated list (`{ items, nextCursor }`). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface RolegateClient {
  /** The typed openapi-fetch client: `api.GET('/v1/orgs/{orgId}/connections', { params: … })`. */
  api: Client<paths>;
  /** The data of a call made with `api`; throws RolegateError for an error answer. */
  data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T>;
  /** Every page of a cursor-paginated list, fetching the next one only when asked for. */
  pages<T>(
    fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  ): AsyncGenerator<Page<T>, void, undefined>;
  /** Every item of a cursor-paginated list, page after page. */
  items<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined>;
  /**
   * The records of an NDJSON listing (e.g. `/v1/orgs/{orgId}/audit/export?format=ndjson`, S3
   * `objects.ndjson`), parsed one line at a time as the response streams in.
   */
  ndjson<T = unknown>(
    path: string,
    query?: Record<string, string | number | boolean | undefined>,
    init?: { signal?: AbortSignal },
  ): AsyncGenerator<T, void, undefined>;
}

export function createRolegateClient(options: RolegateClientOptions): RolegateClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const credential = async (): Promise<string | null> => {
    if (options.apiKey === undefined) return null;
    return typeof options.apiKey === 'function' ? options.apiKey() : options.apiKey;
  };
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = await credential();
      if (token !== null) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await errorFromResponse(response);
      const approval = await approvalRequiredFromResponse(response);
      if (approval !== null) throw approval;
      return response;
    },
  };
  const api = createFetchClient<paths>({ baseUrl, fetch: doFetch });
  api.use(auth);

  async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    const result = await call;
    // The middleware of `api` has already thrown for error and approval_required answers; this
    // covers a call made with a client of the caller's own.
    if (!result.response.ok) throw await errorFromResponse(result.response);
    // A 204 has no body; its type says so (null or undefined), and the caller asked for it.
    return result.data as T;
  }

  async function* pages<T>(
    fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  ): AsyncGenerator<Page<T>, void, undefined> {
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await fetchPage(cursor);
      yield page;
      if (page.nextCursor === null || page.nextCursor === undefined) return;
      // A server bug must not become an endless loop in the customer's program.
      if (seen.has(page.nextCursor)) throw new Error(`the API returned the cursor ${page.nextCursor} twice`);
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  async function* items<T>(
    fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  ): AsyncGenerator<T, void, undefined> {
    for await (const page of pages(fetchPage)) yield* page.items;
  }

  async function* ndjson<T>(
    path: string,
    query: Record<string, string | number | boolean | undefined> = {},
    init: { signal?: AbortSignal } = {},
  ): AsyncGenerator<T, void, undefined> {
    const url = new URL(`${baseUrl}${path.startsWith('/') ? path : `/${path}`}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers = new Headers({ accept: 'application/x-ndjson' });
    const token = await credential();
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    const response = await doFetch(
      new Request(url, { headers, ...(init.signal === undefined ? {} : { signal: init.signal }) }),
    );
    if (!response.ok) throw await errorFromResponse(response);
    if (response.body === null) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let newline = buffered.indexOf('\n');
        while (newline !== -1) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line !== '') yield JSON.parse(line) as T;
          newline = buffered.indexOf('\n');
        }
      }
      const last = buffered.trim();
      if (last !== '') yield JSON.parse(last) as T;
    } finally {
      // Stopping early (break in for await) releases the connection.
      await reader.cancel().catch(() => {});
    }
  }

  return { api, data, pages, items, ndjson };
}
