import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { parseArn, parseAssumedRoleArn, parseRoleArn, partitionOf, trustablePrincipalArn } from './arn.ts';

const ROLE = 'arn:aws:iam::123456789012:role/RolegateAccess';

describe('parseArn', () => {
  it('splits the six fields and keeps colons in the resource', () => {
    expect(parseArn('arn:aws:logs:eu-west-1:123456789012:log-group:app:*')).toEqual({
      partition: 'aws',
      service: 'logs',
      region: 'eu-west-1',
      accountId: '123456789012',
      resource: 'log-group:app:*',
    });
  });

  it('refuses non-ARNs, unknown partitions and oversized input', () => {
    for (const bad of [
      '',
      'arn:aws:iam',
      'urn:aws:iam::1:x:y',
      'arn:aws-iso:iam::123456789012:role/R',
      `${ROLE}${'a'.repeat(2048)}`,
    ]) {
      expect(parseArn(bad), bad).toBeNull();
    }
  });
});

describe('parseRoleArn', () => {
  it('reads partition, account, path and name', () => {
    expect(parseRoleArn('arn:aws-us-gov:iam::123456789012:role/team/ops/Rolegate')).toEqual({
      partition: 'aws-us-gov',
      accountId: '123456789012',
      path: '/team/ops/',
      roleName: 'Rolegate',
    });
    expect(parseRoleArn(ROLE)?.path).toBe('/');
  });

  it('refuses roots, users, sessions, bad accounts, regions and names', () => {
    for (const bad of [
      'arn:aws:iam::123456789012:root',
      'arn:aws:iam::123456789012:user/alice',
      'arn:aws:sts::123456789012:assumed-role/R/s',
      'arn:aws:iam::12345678901:role/R',
      'arn:aws:iam:us-east-1:123456789012:role/R',
      'arn:aws:iam::123456789012:role/',
      'arn:aws:iam::123456789012:role/a//R',
      'arn:aws:iam::123456789012:role/R/',
      `arn:aws:iam::123456789012:role/${'r'.repeat(65)}`,
      `arn:aws:iam::123456789012:role/${'p/'.repeat(256)}R`,
      'arn:aws:iam::123456789012:role/R*',
    ]) {
      expect(parseRoleArn(bad), bad).toBeNull();
    }
  });
});

describe('trustablePrincipalArn: one rule for configuration, CLI, caller identity and trust policies', () => {
  it('passes IAM roles and users and turns a session into its role', () => {
    expect(trustablePrincipalArn(ROLE)).toBe(ROLE);
    expect(trustablePrincipalArn('arn:aws:iam::123456789012:user/deploy/alice')).toBe(
      'arn:aws:iam::123456789012:user/deploy/alice',
    );
    expect(trustablePrincipalArn('arn:aws-cn:sts::123456789012:assumed-role/Rolegate/i-0abc')).toBe(
      'arn:aws-cn:iam::123456789012:role/Rolegate',
    );
    expect(parseAssumedRoleArn('arn:aws:sts::123456789012:assumed-role/Rolegate/i-0abc')?.sessionName).toBe(
      'i-0abc',
    );
  });

  // Where the old parsers disagreed: configuration accepted any iam/sts resource, the broker,
  // service and CLI accepted a role or user followed by 1–512 of [\w+=,.@/-] (empty names and
  // segments, names over 64), the connection schema applied IAM's path and name rules.
  it('refuses what any of the old parsers refused', () => {
    for (const bad of [
      'arn:aws:iam::123456789012:root',
      'arn:aws:iam::123456789012:group/admins',
      'arn:aws:sts::123456789012:federated-user/bob',
      'arn:aws:iam::123456789012:role/',
      'arn:aws:iam::123456789012:role/path/',
      'arn:aws:iam::123456789012:role/a//Rolegate',
      `arn:aws:iam::123456789012:role/${'r'.repeat(65)}`,
      'arn:aws:sts::123456789012:assumed-role/Rolegate',
    ]) {
      expect(trustablePrincipalArn(bad), bad).toBeNull();
    }
  });

  it('configuration refuses at start-up what the broker would refuse on every request', () => {
    for (const bad of ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:group/admins']) {
      expect(() => loadConfig({ ROLEGATE_AWS_PRINCIPAL_ARN: bad }), bad).toThrow(
        /ROLEGATE_AWS_PRINCIPAL_ARN/,
      );
    }
    const session = 'arn:aws:sts::123456789012:assumed-role/Rolegate/i-0abc';
    expect(loadConfig({ ROLEGATE_AWS_PRINCIPAL_ARN: session }).aws.principalArn).toBe(session);
  });
});

describe('partitionOf', () => {
  it('is the ARN partition, or aws for one Rolegate does not parse', () => {
    expect(partitionOf('arn:aws-cn:iam::123456789012:role/R')).toBe('aws-cn');
    expect(partitionOf('arn:aws-us-gov:iam::123456789012:role/R')).toBe('aws-us-gov');
    // The scans' copy returned `aws-iso` here; operations and templates returned `aws`.
    expect(partitionOf('arn:aws-iso:iam::123456789012:role/R')).toBe('aws');
    expect(partitionOf('not-an-arn')).toBe('aws');
  });
});
