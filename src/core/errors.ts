/**
 * Every error a client can see, in one place. Services throw AppError(code); the error handler maps
 * the code to its HTTP status. Codes are stable API: clients branch on them.
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'validation_failed',
  BAD_REQUEST: 'bad_request',
  UNAUTHENTICATED: 'unauthenticated',
  INVALID_CREDENTIALS: 'invalid_credentials',
  MFA_REQUIRED: 'mfa_required',
  MFA_INVALID: 'mfa_invalid',
  TOKEN_INVALID: 'token_invalid',
  API_KEY_REVOKED: 'api_key_revoked',
  FORBIDDEN: 'forbidden',
  CAPABILITY_MISSING: 'capability_missing',
  KEY_SCOPE_DENIED: 'key_scope_denied',
  KEY_SOURCE_DENIED: 'key_source_denied',
  AUDIT_EXPORT_RESERVED: 'audit_export_reserved',
  NOT_FOUND: 'not_found',
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  CONFLICT: 'conflict',
  LAST_OWNER: 'last_owner',
  ORG_LIMIT_REACHED: 'org_limit_reached',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  REQUEST_TIMEOUT: 'request_timeout',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  RATE_LIMITED: 'rate_limited',
  ACCOUNT_LOCKED: 'account_locked',
  CONNECTION_NOT_VERIFIED: 'connection_not_verified',
  CONNECTION_UNSAFE: 'connection_unsafe',
  CONNECTION_DISABLED: 'connection_disabled',
  AWS_ACCESS_DENIED: 'aws_access_denied',
  AWS_THROTTLED: 'aws_throttled',
  AWS_UNAVAILABLE: 'aws_unavailable',
  AWS_NOT_FOUND: 'aws_not_found',
  AWS_REQUEST_FAILED: 'aws_request_failed',
  AWS_INVALID_REQUEST: 'aws_invalid_request',
  AWS_NOT_CONFIGURED: 'aws_not_configured',
  FINDING_NOT_OPEN: 'finding_not_open',
  CLEANUP_UNSUPPORTED: 'cleanup_unsupported',
  CONFIRMATION_REQUIRED: 'confirmation_required',
  APPROVAL_REQUIRED: 'approval_required',
  CONFIRMATION_INVALID: 'confirmation_invalid',
  RESOURCE_CHANGED: 'resource_changed',
  RESOURCE_PROTECTED: 'resource_protected',
  TAG_CONDITIONS_UNMET: 'tag_conditions_unmet',
  SCAN_FINISHED: 'scan_finished',
  SCAN_ALREADY_RUNNING: 'scan_already_running',
  RECONCILIATION_ALREADY_RUNNING: 'reconciliation_already_running',
  SCAN_QUEUE_FULL: 'scan_queue_full',
  TOO_MANY_STREAMS: 'too_many_streams',
  ORG_BUSY: 'org_busy',
  AUDIT_UNAVAILABLE: 'audit_unavailable',
  SERVICE_UNAVAILABLE: 'service_unavailable',
  SSO_REQUIRED: 'sso_required',
  SSO_FAILED: 'sso_failed',
  SSO_PROVIDER_UNAVAILABLE: 'sso_provider_unavailable',
  SSO_LINK_REQUIRED: 'sso_link_required',
  INTERNAL: 'internal_error',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  mfa_required: 401,
  mfa_invalid: 401,
  token_invalid: 401,
  api_key_revoked: 401,
  forbidden: 403,
  capability_missing: 403,
  key_scope_denied: 403,
  key_source_denied: 403,
  audit_export_reserved: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  last_owner: 409,
  org_limit_reached: 403,
  payload_too_large: 413,
  request_timeout: 408,
  unsupported_media_type: 415,
  rate_limited: 429,
  account_locked: 429,
  connection_not_verified: 409,
  connection_unsafe: 409,
  connection_disabled: 409,
  aws_access_denied: 403,
  aws_throttled: 429,
  aws_unavailable: 503,
  aws_not_found: 404,
  aws_request_failed: 502,
  aws_invalid_request: 400,
  aws_not_configured: 503,
  finding_not_open: 409,
  cleanup_unsupported: 409,
  confirmation_required: 400,
  // Accepted, not refused: the request for approval now exists and the call can be retried once approved.
  approval_required: 202,
  confirmation_invalid: 409,
  resource_changed: 409,
  resource_protected: 409,
  tag_conditions_unmet: 409,
  scan_finished: 409,
  scan_already_running: 409,
  reconciliation_already_running: 409,
  scan_queue_full: 429,
  too_many_streams: 429,
  org_busy: 429,
  audit_unavailable: 503,
  service_unavailable: 503,
  sso_required: 403,
  sso_failed: 401,
  sso_provider_unavailable: 502,
  sso_link_required: 409,
  internal_error: 500,
};

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  validation_failed: 'The request is not valid.',
  bad_request: 'The request could not be understood.',
  unauthenticated: 'Authentication is required.',
  invalid_credentials: 'The email or password is incorrect.',
  mfa_required: 'A one-time code from your authenticator app is required.',
  mfa_invalid: 'The one-time code is not valid.',
  token_invalid: 'The token is invalid or has expired.',
  api_key_revoked: 'This API key has been revoked; ask an admin of the organisation for a new one.',
  forbidden: 'Your role does not allow this action.',
  capability_missing: 'The connection does not have the capability this operation needs.',
  key_scope_denied: 'This API key’s scope does not allow this action.',
  key_source_denied: 'This API key may not be used from this address.',
  audit_export_reserved: 'This part of the bucket holds the delivered audit export.',
  not_found: 'Not found.',
  method_not_allowed: 'Method not allowed.',
  conflict: 'The request conflicts with the current state.',
  last_owner: 'An organisation must keep at least one owner.',
  org_limit_reached: 'You own as many organisations as allowed.',
  payload_too_large: 'The request body is too large.',
  request_timeout: 'The request body did not arrive in time.',
  unsupported_media_type: 'The request content type is not supported.',
  rate_limited: 'Too many requests; retry later.',
  account_locked: 'Too many failed attempts; retry later.',
  connection_not_verified: 'The connection has not been verified yet.',
  connection_unsafe: 'The connection is unsafe: its trust policy does not enforce the external ID.',
  connection_disabled: 'The connection is disabled.',
  aws_access_denied: 'AWS denied the request.',
  aws_throttled: 'AWS is throttling requests; retry later.',
  aws_unavailable: 'AWS did not answer in time; retry later.',
  aws_not_found: 'The AWS resource was not found.',
  aws_request_failed: 'AWS rejected the request.',
  aws_invalid_request: 'AWS found the request invalid.',
  aws_not_configured:
    'Rolegate has no AWS credentials of its own: give the server credentials through the AWS SDK default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance/task role) and set ROLEGATE_AWS_PRINCIPAL_ARN.',
  finding_not_open: 'The finding is not open.',
  cleanup_unsupported: 'This kind of finding cannot be cleaned up by Rolegate.',
  confirmation_required: 'A confirmation token from a dry run is required.',
  approval_required:
    'This operation needs approval by another person; retry it once the approval request is approved.',
  confirmation_invalid: 'The confirmation token is invalid, expired or already used.',
  resource_changed: 'The resource changed since the finding or the dry run; run a new scan or dry run.',
  resource_protected: 'The resource is protected from clean-up by a tag.',
  tag_conditions_unmet: 'The resource does not match the connection’s clean-up tag conditions.',
  scan_finished: 'The scan has already finished.',
  scan_already_running: 'A scan of this connection is already queued or running.',
  reconciliation_already_running: 'A reconciliation of this connection is already queued or running.',
  scan_queue_full: 'This organisation has as many scans queued or running as it may; retry later.',
  too_many_streams: 'Too many progress streams are open; close one and retry.',
  org_busy: 'This organisation has as many AWS calls in progress as it may; retry shortly.',
  audit_unavailable: 'The audit trail cannot be written right now, so the action was not performed.',
  service_unavailable: 'The service is temporarily unavailable; retry later.',
  sso_required: 'Your organisation requires single sign-on: sign in with SSO instead of a password.',
  sso_failed: 'The single sign-on did not complete; start again from the sign-in page.',
  sso_link_required:
    'An account with this email address already exists: sign in with your password (and MFA), then link single sign-on from your session.',
  sso_provider_unavailable: 'The organisation’s identity provider could not be reached; retry later.',
  internal_error: 'An unexpected error occurred.',
};

export interface AppErrorOptions {
  /** Safe, client-actionable details (e.g. which field, which AWS action was denied). */
  details?: Record<string, unknown>;
  /** Seconds; sent as Retry-After. */
  retryAfter?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(
      message ?? DEFAULT_MESSAGES[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}

export function defaultMessage(code: ErrorCode): string {
  return DEFAULT_MESSAGES[code];
}

export const notFound = (what = 'Not found.') => new AppError(ErrorCode.NOT_FOUND, what);
