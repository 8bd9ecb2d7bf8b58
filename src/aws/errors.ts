import { AppError, ErrorCode } from '../http/errors.ts';

/**
 * Turns AWS SDK errors into AppErrors a client can act on. The raw AWS message never reaches the
 * client: it can name ARNs of Rolegate's own account (the base role) or the customer's resources.
 * Only the error's code and, for access denials, the IAM action are passed on. The original
 * error stays attached as `cause`, for the logs.
 */

export type AwsErrorKind = 'access_denied' | 'throttled' | 'unavailable' | 'not_found' | 'failed';

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
      default:
        return 'failed';
    }
  }
  const e = shape(err);
  const names = [e.Code, e.name, e.code].filter((v): v is string => typeof v === 'string');
  const status = httpStatus(err);
  if (names.some((n) => THROTTLED.has(n)) || status === 429) return 'throttled';
  if (names.some((n) => ACCESS_DENIED.has(n))) return 'access_denied';
  if (names.some((n) => NOT_FOUND.has(n) || n.endsWith('.NotFound'))) return 'not_found';
  if (names.some((n) => UNAVAILABLE.has(n) || NETWORK_CODES.has(n))) return 'unavailable';
  if (status !== undefined && status >= 500) return 'unavailable';
  if (e.$fault === 'server') return 'unavailable';
  if (status === 403) return 'access_denied';
  if (status === 404) return 'not_found';
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
      return new AppError(ErrorCode.AWS_NOT_FOUND, undefined, {
        details: code === undefined ? {} : { awsCode: code },
        cause: err,
      });
    default:
      return new AppError(ErrorCode.AWS_REQUEST_FAILED, undefined, {
        details: code === undefined ? {} : { awsCode: code },
        cause: err,
      });
  }
}
