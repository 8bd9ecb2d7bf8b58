import { describe, expect, it } from 'vitest';
import { classifyAwsError, isRetryableAwsError, mapAwsError } from '../../src/aws/errors.ts';
import { AppError } from '../../src/core/errors.ts';

function sdkError(
  name: string,
  status?: number,
  message = `${name}: arn:aws:iam::111111111111:role/rolegate-service`,
) {
  return Object.assign(new Error(message), {
    name,
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });
}

describe('mapAwsError', () => {
  it.each([
    ['AccessDenied', 403],
    ['AccessDeniedException', 400],
    ['UnauthorizedOperation', 403],
  ])('%s → aws_access_denied with the action, never the AWS message', (name, status) => {
    const err = mapAwsError(sdkError(name, status), { action: 's3:ListBucket' });
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('aws_access_denied');
    expect(err.status).toBe(403);
    expect(err.details).toEqual({ action: 's3:ListBucket' });
    expect(err.message).not.toContain('111111111111');
    expect(JSON.stringify(err.details)).not.toContain('arn:');
  });

  it('extracts only the IAM action from an AWS denial message when none is given', () => {
    const err = mapAwsError(
      sdkError(
        'AccessDeniedException',
        400,
        'User: arn:aws:sts::111111111111:assumed-role/rg/x is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:eu-west-1:222222222222:log-group:/a',
      ),
    );
    expect(err.details).toEqual({ action: 'logs:FilterLogEvents' });
    expect(err.message).not.toContain('arn:');
  });

  it.each([
    ['Throttling', 400],
    ['ThrottlingException', 400],
    ['TooManyRequestsException', 429],
    ['SlowDown', 503],
    ['RequestLimitExceeded', 503],
    ['ProvisionedThroughputExceededException', 400],
  ])('%s → aws_throttled (429 + Retry-After)', (name, status) => {
    const err = mapAwsError(sdkError(name, status));
    expect(err.code).toBe('aws_throttled');
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBeGreaterThan(0);
  });

  it.each([
    sdkError('TimeoutError'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    sdkError('InternalFailure', 500),
    sdkError('ServiceUnavailable', 503),
    sdkError('SomethingNew', 502),
    sdkError('AbortError'),
  ])('timeouts, network errors and 5xx → aws_unavailable (503): %s', (input) => {
    const err = mapAwsError(input);
    expect(err.code).toBe('aws_unavailable');
    expect(err.status).toBe(503);
    expect(isRetryableAwsError(input)).toBe(true);
  });

  it.each([
    ['NoSuchBucket', 404],
    ['NoSuchKey', 404],
    ['ResourceNotFoundException', 400],
    ['InvalidVolume.NotFound', 400],
    ['NotFound', 404],
  ])('%s → aws_not_found', (name, status) => {
    const err = mapAwsError(sdkError(name, status));
    expect(err.code).toBe('aws_not_found');
    expect(err.status).toBe(404);
    expect(err.details).toEqual({ awsCode: name });
  });

  it('anything else → aws_request_failed with only the AWS error code', () => {
    const err = mapAwsError(sdkError('InvalidObjectState', 400));
    expect(err.code).toBe('aws_request_failed');
    expect(err.details).toEqual({ awsCode: 'InvalidObjectState' });
    expect(err.message).not.toContain('arn:');
    expect(mapAwsError('not even an error').code).toBe('aws_request_failed');
    expect(mapAwsError(null).code).toBe('aws_request_failed');
  });

  it('an invalid request (ValidationException …) from the caller’s input → 400 aws_invalid_request with AWS’s message, sanitised', () => {
    // A request Rolegate composed itself (a scan, a probe): its failure, AWS's message stays in the logs.
    const own = mapAwsError(sdkError('ValidationException', 400, 'internal CANARY'));
    expect(own.code).toBe('aws_request_failed');
    expect(own.message).not.toContain('CANARY');
    const err = mapAwsError(
      sdkError(
        'ValidationException',
        400,
        'One or more parameter values were invalid: Missing the key pk in the item (table arn:aws:dynamodb:us-east-1:111111111111:table/t, key ASIAABCDEFGHIJKLMNOP, account 111111111111)\u0000',
      ),
      { callerInput: true },
    );
    expect(err.code).toBe('aws_invalid_request');
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      'AWS found the request invalid: One or more parameter values were invalid: Missing the key pk in the item (table <arn>, key <key-id>, account <account>)',
    );
    expect(err.details).toEqual({ awsCode: 'ValidationException' });
    const long = mapAwsError(sdkError('ValidationException', 400, 'x'.repeat(2000)), { callerInput: true });
    expect(long.code).toBe('aws_invalid_request');
    expect(long.message.length).toBeLessThan(400);
    expect(long.message).toMatch(/x…$/);
  });

  it('no base credentials (CredentialsProviderError) → 503 aws_not_configured, naming what to set', () => {
    const err = mapAwsError(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    expect(err.code).toBe('aws_not_configured');
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/AWS_ACCESS_KEY_ID.*ROLEGATE_AWS_PRINCIPAL_ARN/);
  });

  it('passes AppErrors through unchanged', () => {
    const original = new AppError('aws_throttled', undefined, { retryAfter: 7 });
    expect(mapAwsError(original)).toBe(original);
    expect(classifyAwsError(original)).toBe('throttled');
  });

  it('keeps the original error only as the cause (for the logs)', () => {
    const original = sdkError('AccessDenied', 403);
    expect(mapAwsError(original).cause).toBe(original);
  });
});
