/**
 * API client of the console. The access token lives only in this module's memory; the refresh token
 * is an httpOnly cookie the server sets for requests marked `x-rolegate-client: browser`
 * (docs/security-model.md, "Browser sessions"). Nothing is written to localStorage.
 */
import { CAPABILITIES as API_CAPABILITIES, ROLES as API_ROLES, type paths } from '@rolegate/client/openapi';

/** One invalid field of a `validation_failed` answer (`details.fields` in the error envelope). */
export interface FieldError {
  location: string;
  /** Dotted path, e.g. `roleArn` or `scopes.s3Buckets.0`. */
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly fields: FieldError[];
  /** Seconds the server asked us to wait (`Retry-After` on 429 and 503), or null. */
  readonly retryAfter: number | null;
  constructor(
    status: number,
    code: string,
    message: string,
    requestId: string | null,
    fields: FieldError[] = [],
    retryAfter: number | null = null,
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }

  /** The messages for one field (path or its descendants), to show beside that field. */
  messagesFor(path: string): string[] {
    return this.fields.filter((f) => f.path === path || f.path.startsWith(`${path}.`)).map((f) => f.message);
  }
}

function fieldsOf(details: unknown): FieldError[] {
  if (typeof details !== 'object' || details === null) return [];
  const fields = (details as { fields?: unknown }).fields;
  if (!Array.isArray(fields)) return [];
  return fields.filter(
    (f): f is FieldError =>
      typeof f === 'object' &&
      f !== null &&
      typeof (f as FieldError).path === 'string' &&
      typeof (f as FieldError).message === 'string',
  );
}

/**
 * The operation needs another person's approval (docs/approvals.md): the server answered 202 with
 * `approval_required` and made (or reused) the request named here. Nothing was done.
 */
export class ApprovalRequiredError extends ApiError {
  readonly approvalRequestId: string;
  constructor(message: string, requestId: string | null, approvalRequestId: string) {
    super(202, 'approval_required', message, requestId);
    this.approvalRequestId = approvalRequestId;
  }
}

/** A 202 that carries `approval_required` is a refusal to act, not a success. */
async function approvalRequired(res: Response): Promise<ApprovalRequiredError | null> {
  if (res.status !== 202) return null;
  try {
    const body = (await res.clone().json()) as {
      error?: {
        code?: string;
        message?: string;
        requestId?: string;
        details?: { approvalRequestId?: string };
      };
    };
    const e = body.error;
    if (e?.code !== 'approval_required' || typeof e.details?.approvalRequestId !== 'string') return null;
    return new ApprovalRequiredError(
      e.message ?? 'This operation needs approval.',
      e.requestId ?? null,
      e.details.approvalRequestId,
    );
  } catch {
    return null;
  }
}

const BROWSER_HEADERS = { 'x-rolegate-client': 'browser' };

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;

export function hasSession(): boolean {
  return accessToken !== null;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

/** `Retry-After` as seconds (delta form only; the API never sends an HTTP date). */
function retryAfterOf(res: Response): number | null {
  const raw = res.headers.get('retry-after');
  if (raw === null || !/^\d{1,6}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

async function toError(res: Response): Promise<ApiError> {
  const headerId = res.headers.get('x-request-id');
  const retryAfter = retryAfterOf(res);
  try {
    const body = (await res.json()) as {
      error?: { code?: string; message?: string; requestId?: string; details?: unknown };
    };
    const e = body.error ?? {};
    return new ApiError(
      res.status,
      e.code ?? 'error',
      e.message ?? `Request failed with HTTP ${res.status}.`,
      e.requestId ?? headerId,
      fieldsOf(e.details),
      retryAfter,
    );
  } catch {
    return new ApiError(
      res.status,
      'error',
      `Request failed with HTTP ${res.status}.`,
      headerId,
      [],
      retryAfter,
    );
  }
}

/** Rotates the refresh cookie and keeps the new access token in memory; false when signed out. */
export function refreshSession(): Promise<boolean> {
  if (refreshing !== null) return refreshing;
  refreshing = (async () => {
    try {
      const res = await fetch('/v1/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { ...BROWSER_HEADERS, 'content-type': 'application/json' },
        body: '{}',
      });
      // 204: no session cookie (a signed-out load); the server says so without an error status.
      if (!res.ok || res.status === 204) {
        accessToken = null;
        return false;
      }
      const body = (await res.json()) as { accessToken: string };
      accessToken = body.accessToken;
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function rawFetch(path: string, init: RequestInit = {}, retry = true): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(BROWSER_HEADERS)) headers.set(k, v);
  if (accessToken !== null) headers.set('authorization', `Bearer ${accessToken}`);
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (res.status === 401 && retry && accessToken !== null && !path.startsWith('/v1/auth/')) {
    if (await refreshSession()) return rawFetch(path, init, false);
  }
  if (!res.ok) throw await toError(res);
  const pending = await approvalRequired(res);
  if (pending !== null) throw pending;
  return res;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await rawFetch(path, init);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Fetches an authenticated download and hands it to the browser as a file. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await rawFetch(path);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** PUT with upload progress (fetch has none): XMLHttpRequest with the same auth headers. */
export function uploadWithProgress(
  path: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', path);
    xhr.setRequestHeader('x-rolegate-client', 'browser');
    if (accessToken !== null) xhr.setRequestHeader('authorization', `Bearer ${accessToken}`);
    xhr.setRequestHeader('content-type', file.type === '' ? 'application/octet-stream' : file.type);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status === 202) {
        try {
          const body = JSON.parse(xhr.responseText) as {
            error?: {
              code: string;
              message: string;
              requestId: string;
              details?: { approvalRequestId?: string };
            };
          };
          const id = body.error?.details?.approvalRequestId;
          if (body.error?.code === 'approval_required' && typeof id === 'string') {
            return reject(new ApprovalRequiredError(body.error.message, body.error.requestId, id));
          }
        } catch {
          // not an approval answer: an ordinary success
        }
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let code = 'error';
      let message = `Upload failed with HTTP ${xhr.status}.`;
      let requestId = xhr.getResponseHeader('x-request-id');
      try {
        const body = JSON.parse(xhr.responseText) as {
          error?: { code: string; message: string; requestId: string };
        };
        if (body.error) ({ code, message, requestId } = body.error);
      } catch {
        // not JSON: keep the generic message
      }
      reject(new ApiError(xhr.status, code, message, requestId));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload failed: network error.', null));
    xhr.send(file);
  });
}

export async function login(email: string, password: string, totp?: string): Promise<void> {
  const res = await fetch('/v1/auth/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { ...BROWSER_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify(totp === undefined ? { email, password } : { email, password, totp }),
  });
  if (!res.ok) throw await toError(res);
  accessToken = ((await res.json()) as { accessToken: string }).accessToken;
}

export async function logout(): Promise<void> {
  try {
    await api('POST', '/v1/auth/logout');
  } finally {
    accessToken = null;
  }
}

// Types and enumerations come from the API's OpenAPI document (generated into @rolegate/client;
// test/http/openapi.test.ts fails when they are stale), never copied by hand.
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export const CAPABILITIES = API_CAPABILITIES;
export type Capability = (typeof CAPABILITIES)[number];
export type Role = (typeof API_ROLES)[number];
export const ROLES: readonly Role[] = API_ROLES;

export type Me = Json<paths['/v1/me']['get']['responses']['200']>;
export type Org = Me['organizations'][number];
export type Permission = Org['permissions'][number];

/**
 * Whether the signed-in user's role in `org` permits `permission` (the server's matrix, sent with
 * /v1/me): controls a role cannot use are not offered. The API still enforces every check.
 */
export function can(org: Org | undefined, permission: Permission): boolean {
  return org?.permissions.includes(permission) === true;
}

export type Connection = Json<paths['/v1/orgs/{orgId}/connections/{connId}']['get']['responses']['200']>;
export type Check = NonNullable<Connection['verification']>['checks'][number];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}
