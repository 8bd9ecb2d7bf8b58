import { resolveTxt } from 'node:dns/promises';

/**
 * Proof that an organisation controls an email domain: a TXT record
 * `rolegate-verification=<token>` at `_rolegate.<domain>`. The resolver is injectable (tests use a
 * table); the check is the same either way.
 */
export type TxtResolver = (name: string) => Promise<string[][]>;

export const systemTxtResolver: TxtResolver = (name) => resolveTxt(name);

export const VERIFICATION_PREFIX = 'rolegate-verification=';

export function verificationRecordName(domain: string): string {
  return `_rolegate.${domain}`;
}

export function verificationRecordValue(token: string): string {
  return `${VERIFICATION_PREFIX}${token}`;
}

/** Whether any TXT record at the name is exactly the expected value (a long record arrives in chunks). */
export async function hasVerificationRecord(
  resolver: TxtResolver,
  domain: string,
  token: string,
): Promise<boolean> {
  let records: string[][];
  try {
    records = await resolver(verificationRecordName(domain));
  } catch {
    return false;
  }
  const expected = verificationRecordValue(token);
  return records.some((chunks) => chunks.join('').trim() === expected);
}
