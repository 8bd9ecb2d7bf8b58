import { AppError, ErrorCode } from '../core/errors.ts';

/**
 * Turns AWS SDK errors into AppErrors a client can act on. The raw AWS message never reaches the
 * client: it can name ARNs of Rolegate's own account (the base role) or the customer's resources.
 * Only the error's code and, for access denials, the IAM action are passed on; for an invalid request
 * (the caller's to fix) AWS's message is passed on sanitised (see sanitizeAwsMessage). The original
 * error stays attached as `cause`, for the logs.
 */

export type AwsErrorKind =
  | 'access_denied'
  | 'throttled'
  | 'unavailable'
  | 'not_found'
  | 'invalid'
  | 'not_configured'
  | 'failed';

/** Seconds a client should wait after AWS throttled a call. */
export const AWS_THROTTLE_RETRY_AFTER = 2;

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'AuthorizationErrorException',
  'Forbidden',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'AccessDeniedFault',
]);

const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceededException',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);

const UNAVAILABLE = new Set([
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerErrorException',
  'InternalServiceError',
  'InternalServiceErrorException',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'IDPCommunicationError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const NOT_FOUND = new Set([
  'NoSuchBucket',
  'NoSuchKey',
  'NotFound',
  'NoSuchEntity',
  'NoSuchUpload',
  'NoSuchVersion',
  'ResourceNotFoundException',
  'ResourceNotFoundFault',
  'DBInstanceNotFound',
  'DBInstanceNotFoundFault',
  'LoadBalancerNotFound',
  'LoadBalancerNotFoundException',
]);

/**
 * The caller's request is wrong (a key name that is not the table's key, a malformed expression):
 * AWS's message says what to change, so it is passed on, sanitised.
 */
const INVALID_REQUEST = new Set([
  'ValidationException',
  'ValidationError',
  'InvalidParameterException',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidParameterCombination',
  'MalformedQueryException',
  'InvalidArgument',
]);

/**
 * The SDK's default provider chain found no base credentials (no environment keys, profile, web
 * identity or instance role). Its error carries no AWS code; it is a configuration problem of this
 * server, not something AWS said about the caller's request.
 */
const NOT_CONFIGURED = new Set(['CredentialsProviderError']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
}

const SAFE_CODE = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** The AWS error code (e.g. `AccessDenied`, `InvalidVolume.NotFound`), or undefined. */
export function awsErrorCode(err: unknown): string | undefined {
  const e = shape(err);
  for (const candidate of [e.Code, e.name, e.code]) {
    if (typeof candidate === 'string' && SAFE_CODE.test(candidate) && candidate !== 'Error') return candidate;
  }
  return undefined;
}

function httpStatus(err: unknown): number | undefined {
  const status = shape(err).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function classifyAwsError(err: unknown): AwsErrorKind {
  if (err instanceof AppError) {
    switch (err.code) {
      case ErrorCode.AWS_ACCESS_DENIED:
        return 'access_denied';
      case ErrorCode.AWS_THROTTLED:
        return 'throttled';
      case ErrorCode.AWS_UNAVAILABLE:
        return 'unavailable';
      case ErrorCode.AWS_NOT_FOUND:
        return 'not_found';
      case ErrorCode.AWS_INVALID_REQUEST:
        return 'invalid';
      case ErrorCode.AWS_NOT_CONFIGURED:
        return 'not_configured';
      default:
        return 'failed';
    }
  }
  const e = shape(err);
  const names = [e.Code, e.name, e.code].filter((v): v is string => typeof v === 'string');
  const status = httpStatus(err);
  if (names.some((n) => NOT_CONFIGURED.has(n))) return 'not_configured';
  if (names.some((n) => THROTTLED.has(n)) || status === 429) return 'throttled';
  if (names.some((n) => ACCESS_DENIED.has(n))) return 'access_denied';
  if (names.some((n) => NOT_FOUND.has(n) || n.endsWith('.NotFound'))) return 'not_found';
  if (names.some((n) => UNAVAILABLE.has(n) || NETWORK_CODES.has(n))) return 'unavailable';
  if (status !== undefined && status >= 500) return 'unavailable';
  if (e.$fault === 'server') return 'unavailable';
  if (status === 403) return 'access_denied';
  if (status === 404) return 'not_found';
  if (names.some((n) => INVALID_REQUEST.has(n))) return 'invalid';
  return 'failed';
}

/** True for errors worth retrying later (throttling, timeouts, 5xx). */
export function isRetryableAwsError(err: unknown): boolean {
  const kind = classifyAwsError(err);
  return kind === 'throttled' || kind === 'unavailable';
}

const IAM_ACTION = /^[a-z0-9-]{2,32}:[A-Za-z0-9*]{1,128}$/;
/** AWS messages say "... is not authorized to perform: s3:ListBucket on resource ...". */
const ACTION_IN_MESSAGE = /perform: ([a-z0-9-]{2,32}:[A-Za-z0-9]{1,128})\b/;

function deniedAction(err: unknown, action: string | undefined): string | undefined {
  if (action !== undefined && IAM_ACTION.test(action)) return action;
  const message = shape(err).message;
  if (typeof message !== 'string') return undefined;
  return ACTION_IN_MESSAGE.exec(message)?.[1];
}

export interface MapAwsErrorOptions {
  /** The IAM action being performed (e.g. `s3:ListBucket`), reported back on access denial. */
  action?: string;
  /**
   * The request was shaped by the caller's input (an operation's parameters): an invalid request is
   * then theirs to fix, answered 400 with AWS's sanitised message. Otherwise (scans, probes: requests
   * Rolegate composed itself) it is Rolegate's failure and AWS's message stays in the logs.
   */
  callerInput?: boolean;
  /** What was not found, in the caller's own terms (e.g. `Log group "/app/api" was not found in eu-west-1.`). */
  notFound?: { message: string; details: Record<string, unknown> };
}

export const MAX_AWS_MESSAGE_CHARS = 300;

/**
 * AWS's own message for an invalid request, safe to show the caller: ARNs (which name Rolegate's
 * account or the customer's resources), 12-digit account IDs and access key IDs are replaced,
 * control characters removed, and the length capped. What is left says what to change.
 */
export function sanitizeAwsMessage(message: unknown): string | undefined {
  if (typeof message !== 'string') return undefined;
  const clean = message
    .replace(/arn:[a-z0-9-]+:[^\s"',;)]*/gi, '<arn>')
    .replace(/\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, '<key-id>')
    .replace(/\b\d{12}\b/g, '<account>')
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean === '') return undefined;
  const chars = [...clean];
  return chars.length <= MAX_AWS_MESSAGE_CHARS
    ? clean
    : `${chars.slice(0, MAX_AWS_MESSAGE_CHARS - 1).join('')}…`;
}

/** Maps any error thrown by an SDK call to an AppError with a user-actionable code. */
export function mapAwsError(err: unknown, options: MapAwsErrorOptions = {}): AppError {
  if (err instanceof AppError) return err;
  const code = awsErrorCode(err);
  switch (classifyAwsError(err)) {
    case 'access_denied': {
      const action = deniedAction(err, options.action);
      return new AppError(
        ErrorCode.AWS_ACCESS_DENIED,
        action === undefined
          ? 'AWS denied the request.'
          : `AWS denied ${action}; check the role's permission policy for this action.`,
        { details: action === undefined ? {} : { action }, cause: err },
      );
    }
    case 'throttled':
      return new AppError(ErrorCode.AWS_THROTTLED, undefined, {
        retryAfter: AWS_THROTTLE_RETRY_AFTER,
        details: code === undefined ? {} : { awsCode: code },
        cause: err,
      });
    case 'unavailable':
      return new AppError(ErrorCode.AWS_UNAVAILABLE, undefined, { retryAfter: 1, cause: err });
    case 'not_found':
      return new AppError(ErrorCode.AWS_NOT_FOUND, options.notFound?.message, {
        details: { ...(code === undefined ? {} : { awsCode: code }), ...options.notFound?.details },
        cause: err,
      });
    case 'invalid': {
      if (options.callerInput !== true) {
        return new AppError(ErrorCode.AWS_REQUEST_FAILED, undefined, {
          details: code === undefined ? {} : { awsCode: code },
          cause: err,
        });
      }
      const message = sanitizeAwsMessage(shape(err).message);
      return new AppError(
        ErrorCode.AWS_INVALID_REQUEST,
        message === undefined ? undefined : `AWS found the request invalid: ${message}`,
        { details: code === undefined ? {} : { awsCode: code }, cause: err },
      );
    }
    case 'not_configured':
      return new AppError(ErrorCode.AWS_NOT_CONFIGURED, undefined, { cause: err });
    default:
      return new AppError(ErrorCode.AWS_REQUEST_FAILED, undefined, {
        details: code === undefined ? {} : { awsCode: code },
        cause: err,
      });
  }
}
