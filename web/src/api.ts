/**
 * API client of the console. The access token lives only in this module's memory; the refresh token
 * is an httpOnly cookie the server sets for requests marked `x-rolegate-client: browser`
 * (docs/security-model.md, "Browser sessions"). Nothing is written to localStorage.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  constructor(status: number, code: string, message: string, requestId: string | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
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

async function toError(res: Response): Promise<ApiError> {
  const headerId = res.headers.get('x-request-id');
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; requestId?: string } };
    const e = body.error ?? {};
    return new ApiError(
      res.status,
      e.code ?? 'error',
      e.message ?? `Request failed with HTTP ${res.status}.`,
      e.requestId ?? headerId,
    );
  } catch {
    return new ApiError(res.status, 'error', `Request failed with HTTP ${res.status}.`, headerId);
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
      if (!res.ok) {
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

export type Role = 'viewer' | 'member' | 'admin' | 'owner';
export const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];

export interface Me {
  user: { id: string; email: string; name: string | null; mfaEnabled: boolean };
  organizations: { id: string; name: string; role: Role }[];
}

export const CAPABILITIES = [
  's3-read',
  's3-write',
  'logs-read',
  'dynamodb-read',
  'lambda-read',
  'lambda-invoke',
  'cost-scan',
  'cleanup',
  'cloudtrail-read',
  'organizations-read',
  'audit-export',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface Check {
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'warning';
  code?: string;
  advice?: string;
}

export interface Connection {
  id: string;
  name: string;
  accountId: string | null;
  roleArn: string | null;
  roleName: string;
  capabilities: Capability[];
  scopes: {
    regions: string[];
    s3Buckets: string[];
    s3Prefixes: string[];
    logGroupPrefixes: string[];
    dynamodbTables: string[];
    lambdaFunctionPatterns: string[];
    cleanupTagConditions: Record<string, string>;
  };
  rotationPending: boolean;
  previousExternalIdExpiresAt: string | null;
  status: 'pending' | 'verified' | 'unsafe' | 'failed' | 'disabled' | 'expired';
  lastVerifiedAt: string | null;
  verification: { status: 'verified' | 'unsafe' | 'failed'; checkedAt: string; checks: Check[] } | null;
  createdAt: string;
}

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
