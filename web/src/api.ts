/**
 * API client of the console. The access token lives only in this module's memory; the refresh token
 * is an httpOnly cookie the server sets for requests marked `x-rolegate-client: browser`
 * (docs/security-model.md, "Browser sessions"). Nothing is written to localStorage.
 */
import {
  CAPABILITIES as API_CAPABILITIES,
  ROLES as API_ROLES,
  approvalRequiredAnswer,
  createRolegateClient,
  parseErrorAnswer,
  type paths,
  type RolegateClient,
  RolegateError,
  type RolegateErrorInit,
} from '@rolegate/client';

export type { FieldError } from '@rolegate/client';

/**
 * An error answer of the API. The envelope (code, message, request ID, `details.fields`,
 * `Retry-After`) is parsed by @rolegate/client for every transport the console uses (fetch and the
 * upload's XMLHttpRequest), so the console and customers' programs read errors the same way.
 */
export class ApiError extends RolegateError {
  override readonly name: string = 'ApiError';

  /** The messages for one field (path or its descendants), to show beside that field. */
  messagesFor(path: string): string[] {
    return this.fields.filter((f) => f.path === path || f.path.startsWith(`${path}.`)).map((f) => f.message);
  }
}

/**
 * The operation needs another person's approval (docs/approvals.md): the server answered 202 with
 * `approval_required` and made (or reused) the request named here. Nothing was done.
 */
export class ApprovalRequiredError extends ApiError {
  override readonly name: string = 'ApprovalRequiredError';
  readonly #approvalRequestId: string;
  constructor(init: RolegateErrorInit, approvalRequestId: string) {
    super(init);
    this.#approvalRequestId = approvalRequestId;
  }

  override get approvalRequestId(): string {
    return this.#approvalRequestId;
  }
}

/** The console's error for an answer (any status), or null when it is a success. */
function errorOf(
  status: number,
  headers: { get(name: string): string | null },
  body: string,
): ApiError | null {
  const approval = approvalRequiredAnswer(status, headers, body);
  if (approval !== null) {
    // approvalRequiredAnswer only answers for an envelope that names the request.
    return new ApprovalRequiredError(approval, String(approval.details?.approvalRequestId));
  }
  if (status >= 200 && status < 300) return null;
  return new ApiError(parseErrorAnswer({ status, headers, body }));
}

/** The error of a fetch response (reads its body; a 202 is read from a clone), or null for a success. */
async function errorOfResponse(res: Response): Promise<ApiError | null> {
  if (res.ok && res.status !== 202) return null;
  const body = await (res.ok ? res.clone() : res).text().catch(() => '');
  return errorOf(res.status, res.headers, body);
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

/**
 * The console's transport, for `api`, downloads and the typed client `rg`: the browser marker, the
 * access token from memory, one refresh and retry on a 401, and every error answer (including
 * `202 approval_required`) thrown as an ApiError.
 */
async function send(request: Request, retry = true): Promise<Response> {
  // A copy keeps the body for the one retry after a refresh.
  const attempt = retry ? request.clone() : request;
  for (const [k, v] of Object.entries(BROWSER_HEADERS)) attempt.headers.set(k, v);
  if (accessToken !== null) attempt.headers.set('authorization', `Bearer ${accessToken}`);
  const res = await fetch(attempt);
  if (
    res.status === 401 &&
    retry &&
    accessToken !== null &&
    !new URL(request.url).pathname.startsWith('/v1/auth/')
  ) {
    if (await refreshSession()) return send(request, false);
  }
  const error = await errorOfResponse(res);
  if (error !== null) throw error;
  return res;
}

export function rawFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return send(new Request(path, { ...init, credentials: 'same-origin' }));
}

/**
 * The typed client of @rolegate/client over the console's transport: paths, parameters, bodies and
 * answers typed from the OpenAPI document, errors thrown as ApiError.
 * `await rg.data(rg.api.GET('/v1/orgs/{orgId}/connections', { params: { path: { orgId } } }))`.
 */
export const rg: RolegateClient = createRolegateClient({
  // Same origin: the console is served by Rolegate itself.
  baseUrl: globalThis.location?.origin ?? '',
  fetch: (request) => send(request),
});

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
      const error = errorOf(
        xhr.status,
        { get: (name) => xhr.getResponseHeader(name) },
        xhr.responseType === '' || xhr.responseType === 'text' ? xhr.responseText : '',
      );
      if (error === null) resolve();
      else reject(error);
    };
    // Like a failed fetch: a TypeError, which the console treats as a network failure.
    xhr.onerror = () => reject(new TypeError('The upload failed: network error.'));
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
  const error = await errorOfResponse(res);
  if (error !== null) throw error;
  accessToken = ((await res.json()) as { accessToken: string }).accessToken;
}

export async function logout(): Promise<void> {
  try {
    await rg.data(rg.api.POST('/v1/auth/logout'));
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
