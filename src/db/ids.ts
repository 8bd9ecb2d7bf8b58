import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

export const ID_PREFIXES = [
  'org',
  'usr',
  'mem',
  'inv',
  'key',
  'ses',
  'con',
  'aud',
  'scn',
  'fnd',
  'job',
  'vrf',
  'whe',
  'msg',
  'rec',
  'rci',
  'agr',
  'sso',
  'dom',
  'sid',
  'sct',
  'scu',
  'cgr',
  'apr',
  'apd',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

/** Prefixed random ids (`org_…`): readable in logs, impossible to confuse across tables, 120 bits. */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${prefix}_${out}`;
}

/** Shape check used by route schemas, so a malformed id is a 400 before it reaches SQL. */
export function idPattern(prefix: IdPrefix): RegExp {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{24}$`);
}
