import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { trustablePrincipalArn } from './aws/arn.ts';

/**
 * The whole configuration surface, parsed once at start-up and passed to factories.
 * Nothing else in the code base reads process.env.
 */

/** Variables that may hold secrets: each may instead be read from `<NAME>_FILE`. */
export const SECRET_VARIABLES = [
  'ROLEGATE_MASTER_KEYS',
  'ROLEGATE_JWT_KEYS',
  'DATABASE_URL',
  'REDIS_URL',
  'ROLEGATE_WEBHOOK_SECRET',
  'ROLEGATE_AUDIT_SIGNING_KEYS',
  'ROLEGATE_SMTP_URL',
] as const;

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    // The value is never part of the message: it may be a secret.
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface KeyEntry {
  kid: string;
  key: Buffer;
}

/** Parses `kid:base64,kid:base64`; the first entry is the active key. */
function parseKeyList(variable: string, raw: string, minBytes: number, exactBytes?: number): KeyEntry[] {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (entries.length === 0) throw new ConfigError(variable, 'must list at least one key as kid:base64');
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const sep = entry.indexOf(':');
    if (sep <= 0) throw new ConfigError(variable, `entry ${index + 1} must have the form kid:base64`);
    const kid = entry.slice(0, sep);
    const material = entry.slice(sep + 1);
    if (!KID_PATTERN.test(kid)) throw new ConfigError(variable, `entry ${index + 1} has an invalid key id`);
    if (seen.has(kid)) throw new ConfigError(variable, `entry ${index + 1} repeats key id ${kid}`);
    seen.add(kid);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(material)) {
      throw new ConfigError(variable, `entry ${index + 1} (${kid}) is not base64`);
    }
    const key = Buffer.from(material, 'base64');
    if (exactBytes !== undefined && key.length !== exactBytes) {
      throw new ConfigError(
        variable,
        `entry ${index + 1} (${kid}) must decode to exactly ${exactBytes} bytes`,
      );
    }
    if (key.length < minBytes) {
      throw new ConfigError(
        variable,
        `entry ${index + 1} (${kid}) must decode to at least ${minBytes} bytes`,
      );
    }
    return { kid, key };
  });
}

/** ROLEGATE_JWT_KEYS's format, for a value re-read from a secret store (throws ConfigError). */
export function parseJwtKeys(raw: string): KeyEntry[] {
  return parseKeyList('ROLEGATE_JWT_KEYS', raw.trim(), 32);
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const intIn = (fallback: number, min: number, max: number) =>
  optionalString.transform((v, ctx) => {
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number between ${min} and ${max}` });
      return z.NEVER;
    }
    const n = Number(v);
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}` });
      return z.NEVER;
    }
    return n;
  });

/** A KMS key id, key ARN, alias name or alias ARN (what the KMS API takes as KeyId). */
const kmsKeyId = optionalString.refine(
  (v) =>
    v === undefined ||
    /^(arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:(key\/[A-Za-z0-9-]{1,128}|alias\/[A-Za-z0-9/_-]{1,250})|alias\/[A-Za-z0-9/_-]{1,250}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/.test(
      v,
    ),
  { message: 'must be a KMS key id, key ARN, alias name (alias/…) or alias ARN' },
);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intIn(3000, 0, 65535),
  HOST: optionalString.transform((v) => v ?? '127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLEGATE_DATA_DIR: optionalString.transform((v) => v ?? './data'),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// or postgresql:// URL',
  }),
  ROLEGATE_DB_POOL_SIZE: intIn(10, 1, 200),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), {
    message: 'must be a redis:// or rediss:// URL',
  }),
  ROLEGATE_MASTER_KEYS: optionalString,
  ROLEGATE_JWT_KEYS: optionalString,
  ROLEGATE_AWS_PRINCIPAL_ARN: optionalString.refine(
    (v) => v === undefined || trustablePrincipalArn(v) !== null,
    { message: 'must be an IAM role or user ARN, or an assumed-role session ARN' },
  ),
  ROLEGATE_CREDENTIAL_CACHE: z.enum(['memory', 'off']).default('memory'),
  ROLEGATE_SESSION_DURATION: intIn(900, 900, 43200),
  ROLEGATE_STS_GLOBAL_PER_MINUTE: intIn(6_000, 1, 1_000_000),
  ROLEGATE_STS_GLOBAL_BURST: intIn(1_000, 1, 1_000_000),
  ROLEGATE_ORG_CREATE_PER_DAY: intIn(10, 1, 10_000),
  ROLEGATE_ORG_MAX_OWNED: intIn(50, 1, 100_000),
  ROLEGATE_CORS_ORIGINS: optionalString,
  ROLEGATE_COOKIE_SECURE: optionalString,
  ROLEGATE_BODY_LIMIT: intIn(1024 * 1024, 1024, 64 * 1024 * 1024),
  ROLEGATE_TRUST_PROXY: optionalString,
  ROLEGATE_JSON_MAX_DEPTH: intIn(64, 8, 1024),
  ROLEGATE_HEADERS_TIMEOUT: intIn(10, 1, 600),
  ROLEGATE_REQUEST_TIMEOUT: intIn(30, 1, 3600),
  ROLEGATE_CONNECTION_TIMEOUT: intIn(120, 10, 3600),
  ROLEGATE_KEEP_ALIVE_TIMEOUT: intIn(5, 1, 600),
  ROLEGATE_UPLOAD_MIN_BYTES_PER_SECOND: intIn(16 * 1024, 0, 1024 ** 3),
  ROLEGATE_UPLOAD_THROUGHPUT_WINDOW: intIn(30, 1, 3600),
  ROLEGATE_MAX_CONNECTIONS: intIn(4096, 0, 1_000_000),
  ROLEGATE_MAX_CONNECTIONS_PER_ADDRESS: intIn(256, 0, 1_000_000),
  ROLEGATE_STREAM_STALL_TIMEOUT: intIn(30, 1, 3600),
  ROLEGATE_ACCESS_TOKEN_TTL: intIn(900, 60, 3600),
  ROLEGATE_REFRESH_MAX_AGE: intIn(12 * 3600, 600, 30 * 24 * 3600),
  ROLEGATE_REFRESH_IDLE: intIn(30 * 60, 60, 24 * 3600),
  ROLEGATE_VERIFY_INTERVAL: intIn(24 * 3600, 0, 30 * 24 * 3600),
  ROLEGATE_EXTERNAL_ID_GRACE: intIn(7 * 24 * 3600, 0, 90 * 24 * 3600),
  ROLEGATE_EGRESS_IPS: optionalString,
  ROLEGATE_KMS_KEY_ID: kmsKeyId,
  ROLEGATE_DEPLOYMENT_ID: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_.-]{1,64}$/.test(v), {
    message: 'must be 1-64 characters of [A-Za-z0-9_.-]',
  }),
  ROLEGATE_KMS_REFRESH_INTERVAL: intIn(60, 5, 3600),
  ROLEGATE_SECRETS_REFRESH_INTERVAL: intIn(300, 0, 86_400),
  ROLEGATE_TEMPLATE_URL: optionalString.refine(
    (v) => v === undefined || (/^https:\/\/\S+$/.test(v) && v.length <= 1024),
    { message: 'must be the https:// S3 URL that `rolegate templates publish` printed' },
  ),
  ROLEGATE_WEBHOOK_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http(s) URL',
  }),
  ROLEGATE_WEBHOOK_SECRET: optionalString,
  /** Where clients reach this deployment (scheme, host, optional port; no path). Turns on OAuth for /mcp. */
  ROLEGATE_PUBLIC_URL: optionalString.refine(
    (v) => v === undefined || (/^https?:\/\/[^/?#\s]+$/.test(v) && URL.canParse(v)),
    { message: 'must be an origin such as https://rolegate.example.com (no path, no trailing slash)' },
  ),
  /** SMTP for invitation e-mails, e.g. smtps://user:pass@smtp.example.com:465 (needs ROLEGATE_PUBLIC_URL). */
  ROLEGATE_SMTP_URL: optionalString.refine((v) => v === undefined || /^smtps?:\/\/\S+$/.test(v), {
    message: 'must be an smtp:// or smtps:// URL',
  }),
  ROLEGATE_SMTP_FROM: z.string().trim().min(3).max(320).default('Rolegate <no-reply@rolegate.invalid>'),
  ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z.stringbool().default(false),
  ROLEGATE_WEBHOOK_TIMEOUT: intIn(10, 1, 60),
  ROLEGATE_THREAT_SWEEP_INTERVAL: intIn(300, 0, 86_400),
  ROLEGATE_AUDIT_SIGNING_KEYS: optionalString,
  ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID: kmsKeyId,
  ROLEGATE_AUDIT_CHECKPOINT_INTERVAL: intIn(300, 0, 86_400),
  ROLEGATE_AUDIT_EXPORT_INTERVAL: intIn(30, 0, 86_400),
  ROLEGATE_RATE_LIMIT_AUTH_MAX: intIn(20, 1, 100_000),
  ROLEGATE_RATE_LIMIT_AUTH_WINDOW: intIn(60, 1, 86_400),
  ROLEGATE_RATE_LIMIT_API_MAX: intIn(600, 1, 1_000_000),
  ROLEGATE_RATE_LIMIT_API_WINDOW: intIn(60, 1, 86_400),
  ROLEGATE_RATE_LIMIT_EXPENSIVE_MAX: intIn(10, 1, 100_000),
  ROLEGATE_RATE_LIMIT_EXPENSIVE_WINDOW: intIn(60, 1, 86_400),
  ROLEGATE_RATE_LIMIT_FAILED_AUTH_MAX: intIn(30, 1, 100_000),
  ROLEGATE_RATE_LIMIT_FAILED_AUTH_WINDOW: intIn(60, 1, 86_400),
  ROLEGATE_RATE_LIMIT_CACHE_SIZE: intIn(10_000, 100, 1_000_000),
  ROLEGATE_RATE_LIMIT_PREFIX: optionalString
    .transform((v) => v ?? 'rolegate:rl:')
    .refine((v) => /^[A-Za-z0-9:_.-]{1,64}$/.test(v), {
      message: 'must be 1-64 characters of [A-Za-z0-9:_.-]',
    }),
  ROLEGATE_PRESSURE_MAX_EVENT_LOOP_DELAY: intIn(1_000, 0, 60_000),
  ROLEGATE_PRESSURE_MAX_HEAP_BYTES: intIn(0, 0, 2 ** 48),
  ROLEGATE_PRESSURE_MAX_RSS_BYTES: intIn(0, 0, 2 ** 48),
  ROLEGATE_PRESSURE_SAMPLE_INTERVAL: intIn(1_000, 10, 60_000),
  ROLEGATE_PRESSURE_RETRY_AFTER: intIn(10, 1, 3_600),
  ROLEGATE_S3_MAX_DOWNLOAD_BYTES: intIn(5 * 1024 ** 3, 1, 5 * 1024 ** 4),
  ROLEGATE_S3_MAX_UPLOAD_BYTES: intIn(5 * 1024 ** 3, 1, 5 * 1024 ** 3),
  ROLEGATE_AWS_MAX_SOCKETS: intIn(50, 1, 10_000),
  ROLEGATE_AWS_LONG_MAX_SOCKETS: intIn(50, 1, 10_000),
  ROLEGATE_AWS_ORG_MAX_CALLS: intIn(16, 1, 10_000),
  ROLEGATE_AWS_ORG_MAX_QUEUED_CALLS: intIn(64, 0, 100_000),
  ROLEGATE_AWS_ORG_MAX_LONG_CALLS: intIn(4, 1, 10_000),
  ROLEGATE_AWS_ORG_MAX_QUEUED_LONG_CALLS: intIn(8, 0, 100_000),
  ROLEGATE_AWS_ORG_QUEUE_WAIT_MS: intIn(10_000, 0, 600_000),
  ROLEGATE_SCAN_MAX_RUNNING: intIn(4, 1, 1_000),
  ROLEGATE_SCAN_MAX_RUNNING_PER_ORG: intIn(1, 1, 1_000),
  ROLEGATE_SCAN_MAX_ACTIVE_PER_ORG: intIn(10, 1, 10_000),
  ROLEGATE_SCAN_STREAMS_PER_PRINCIPAL: intIn(4, 1, 10_000),
  ROLEGATE_SCAN_STREAMS_PER_ORG: intIn(20, 1, 100_000),
  ROLEGATE_SCAN_STREAM_MAX_SECONDS: intIn(900, 1, 86_400),
  ROLEGATE_RECONCILE_INTERVAL: intIn(3_600, 0, 7 * 86_400),
  ROLEGATE_RECONCILE_SKEW_SECONDS: intIn(300, 0, 3_600),
  AWS_REGION: optionalString.transform((v) => v ?? 'us-east-1'),
  AWS_ENDPOINT_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http(s) URL',
  }),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  http: {
    port: number;
    host: string;
    bodyLimit: number;
    corsOrigins: string[];
    /** Secure flag of the browser-session cookie; off only for plain-http local development and tests. */
    cookieSecure: boolean;
    /** Which `X-Forwarded-For` hops to believe; see parseTrustProxy. */
    trustProxy: TrustProxy;
    /** Deepest nesting of a JSON body (refused with 400 before parsing). */
    jsonMaxDepth: number;
    /**
     * The deployment's public origin (ROLEGATE_PUBLIC_URL); null = unset. The OAuth issuer and the
     * /mcp resource identifier are built from it, so OAuth for MCP is on only when it is set.
     */
    publicUrl: string | null;
    /** Time limits in milliseconds; see docs/abuse-protection.md. */
    headersTimeoutMs: number;
    /** From the request's first byte to its last body byte (uploads use the throughput floor instead). */
    requestTimeoutMs: number;
    /** A socket with no traffic in either direction for this long is closed. */
    connectionTimeoutMs: number;
    keepAliveTimeoutMs: number;
    /** Uploads slower than this over a window are cut (0 turns the floor off). */
    uploadMinBytesPerSecond: number;
    uploadThroughputWindowMs: number;
    /** Open sockets, in total and per peer address (0 turns a cap off). */
    maxConnections: number;
    maxConnectionsPerAddress: number;
    /** A streamed response the client has not read from for this long is aborted. */
    streamStallTimeoutMs: number;
  };
  log: { level: string };
  db: { url: string | undefined; dataDir: string; poolSize: number };
  redisUrl: string | undefined;
  /**
   * Master keys for field encryption; null until development keys are resolved. With KMS they are
   * decrypt-only (values written before KMS was turned on), possibly none.
   */
  masterKeys: KeyEntry[] | null;
  /**
   * KMS envelope encryption of the field-encryption keys (docs/running.md, "Keys on AWS"); null =
   * the ROLEGATE_MASTER_KEYS keyring alone.
   */
  kms: KmsConfig | null;
  /** How often secrets given by reference (`…_SECRET_ARN`, `…_SSM_PARAMETER`) are re-read, seconds (0 = only on SIGHUP). */
  secretsRefreshSeconds: number;
  /** HMAC keys for access tokens; null until development keys are resolved. */
  jwtKeys: KeyEntry[] | null;
  auth: { accessTokenTtl: number; refreshMaxAge: number; refreshIdle: number };
  aws: {
    region: string;
    endpointUrl: string | undefined;
    /** `AWS_ENDPOINT_URL_<SERVICE>` overrides (key = SERVICE, e.g. `S3`), as the SDK honours them. */
    serviceEndpoints: Record<string, string>;
    principalArn: string | undefined;
    credentialCache: 'memory' | 'off';
    sessionDuration: number;
    verifyInterval: number;
    /** Seconds a rotated-out external ID stays usable (operations, verification, templates). */
    externalIdGrace: number;
    /** The published generic CloudFormation template (S3 URL), for quick-create links; null = none. */
    templateUrl: string | null;
    /**
     * Rolegate's egress addresses/CIDRs (ROLEGATE_EGRESS_IPS): the generated trust policies allow
     * sts:AssumeRole only from them (`aws:SourceIp`). Empty: no source-IP condition.
     */
    egressIps: string[];
    /** AssumeRole calls of the whole deployment: a token bucket above the per-organisation ones. */
    stsGlobalBudget: { perMinute: number; burst: number };
    /** Socket pool of ordinary AWS calls, and the separate one of long calls (see src/broker/lanes.ts). */
    maxSockets: number;
    longMaxSockets: number;
  };
  /** Organisation creation through the API, per user (each organisation has its own STS budget). */
  orgs: { createPerDay: number; maxOwned: number };
  /** Invitation e-mails: on when ROLEGATE_SMTP_URL is set (and ROLEGATE_PUBLIC_URL, for the link). */
  mail: { smtpUrl: string; from: string } | null;
  webhook: {
    /** The deployment-wide endpoint (operator-configured). */
    url: string | undefined;
    secret: string | undefined;
    /** Tenants' endpoints may resolve to private addresses (development and tests only). */
    allowPrivateAddresses: boolean;
    /** Tenants' endpoints must be https (production). */
    requireHttps: boolean;
    /** Per attempt, seconds. */
    timeoutSeconds: number;
    /** How often threats found in the audit trail are turned into alerts, seconds (0 = never). */
    threatSweepSeconds: number;
  };
  /** Signed checkpoints of the audit chains; see docs/audit.md. */
  auditCheckpoints: {
    /** Names this deployment inside every checkpoint; required when a signing key is configured. */
    deployment: string | null;
    /** Ed25519 private seeds (32 bytes), first one signs; null when unset. */
    signingKeys: KeyEntry[] | null;
    /** ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID: an ECC_NIST_P256 KMS key that signs instead (ES256). */
    kmsKeyId: string | null;
    /** Seconds between checkpoint rounds (0 = only on demand). */
    intervalSeconds: number;
    /** Seconds between rounds delivering checkpoints to organisations' buckets (0 = only on demand). */
    exportIntervalSeconds: number;
  };
  /** Per-organisation concurrency of brokered AWS calls, by lane; see src/broker/lanes.ts. */
  lanes: {
    short: { perOrg: number; queuePerOrg: number };
    long: { perOrg: number; queuePerOrg: number };
    maxWaitMs: number;
  };
  /** Scan scheduling and progress streams; see docs/scans.md. */
  scans: {
    maxRunning: number;
    maxRunningPerOrg: number;
    maxActivePerOrg: number;
    streamsPerPrincipal: number;
    streamsPerOrg: number;
    streamMaxSeconds: number;
  };
  /** CloudTrail reconciliation; see docs/reconciliation.md. */
  reconcile: {
    /** Seconds between scheduled reconciliations of each connection; 0 = only on demand. */
    intervalSeconds: number;
    /** Clock skew tolerated between Rolegate and AWS when an event is matched to a call. */
    skewSeconds: number;
  };
  /** Limits of the operations catalogue (streamed S3 transfers); see docs/operations.md. */
  operations: { maxDownloadBytes: number; maxUploadBytes: number };
  /** Rate-limit budgets (max requests per window of seconds); see src/http/rate-limit.ts. */
  rateLimit: {
    auth: { max: number; windowSeconds: number };
    api: { max: number; windowSeconds: number };
    expensive: { max: number; windowSeconds: number };
    /** Presented credentials that fail authentication, per client address. */
    failedAuth: { max: number; windowSeconds: number };
    /** Keys kept by the in-memory limiter (LRU), so a flood of spoofed IPs cannot exhaust memory. */
    cacheSize: number;
    /** Redis key prefix, so several deployments (or test runs) can share one Redis. */
    keyPrefix: string;
  };
  /** Load shedding thresholds (0 disables a check); see src/http/load-shedding.ts. */
  pressure: {
    maxEventLoopDelayMs: number;
    maxHeapUsedBytes: number;
    maxRssBytes: number;
    sampleIntervalMs: number;
    retryAfterSeconds: number;
  };
}

export interface KmsConfig {
  /** ROLEGATE_KMS_KEY_ID: the KMS key GenerateDataKey uses. */
  keyId: string;
  /** ROLEGATE_DEPLOYMENT_ID: the `rolegate:deployment` encryption context of every data key. */
  deploymentId: string;
  /** How often every node looks for a data key created by `rolegate keys rotate`, seconds. */
  refreshSeconds: number;
}

export type Env = Record<string, string | undefined>;

/** ROLEGATE_COOKIE_SECURE's documented spellings (README, docs/security-model.md), any case. */
const cookieSecureFlag = z.stringbool({
  truthy: ['1', 'true', 'yes', 'on'],
  falsy: ['0', 'false', 'no', 'off'],
});

/** ROLEGATE_COOKIE_SECURE: true/false; unset means true in production, false otherwise. */
function parseCookieSecure(value: string | undefined, env: string): boolean {
  if (value === undefined) return env === 'production';
  const parsed = cookieSecureFlag.safeParse(value);
  if (!parsed.success) throw new ConfigError('ROLEGATE_COOKIE_SECURE', 'must be true or false');
  return parsed.data;
}

/**
 * `false` (no proxy: the socket address is the client), a hop count (that many proxies append to
 * `X-Forwarded-For`), or the addresses/CIDRs of the trusted proxies (plus proxy-addr's names
 * `loopback`, `linklocal`, `uniquelocal`). The client is the right-most untrusted address.
 */
export type TrustProxy = false | number | string[];

const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_PROXY_HOPS = 16;

/** One trusted-proxy entry: an address, or a CIDR that does not span everything (`/0`). */
function isProxyEntry(entry: string): boolean {
  if (TRUST_PROXY_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return bits >= 1 && bits <= (family === 4 ? 32 : 128);
}

/** The boolean spellings ROLEGATE_TRUST_PROXY recognises; `1` is not among them, it is a hop count. */
const trustProxyFlag = z.stringbool({ truthy: ['true', 'yes', 'on'], falsy: ['0', 'false', 'no', 'off'] });

/**
 * ROLEGATE_TRUST_PROXY. `true` is refused: it trusts every hop, so the client's own left-most
 * `X-Forwarded-For` entry became its address and it could pick one per request (issue 14.5).
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const variable = 'ROLEGATE_TRUST_PROXY';
  if (value === undefined) return false;
  const flag = trustProxyFlag.safeParse(value);
  if (flag.success && !flag.data) return false;
  if (flag.success) {
    throw new ConfigError(
      variable,
      'must not be true (it trusts every hop, so clients choose their own address): set the number of proxies in front of Rolegate, or their addresses/CIDRs',
    );
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_PROXY_HOPS)
      throw new ConfigError(variable, `must be a hop count between 1 and ${MAX_PROXY_HOPS}`);
    return hops;
  }
  const entries = value.split(',').map((s) => s.trim());
  if (!entries.every(isProxyEntry)) {
    throw new ConfigError(
      variable,
      'must be a hop count or a comma-separated list of proxy addresses or CIDRs (e.g. 10.0.0.0/8,fd00::/8); /0 is refused',
    );
  }
  return entries;
}

/**
 * One `aws:SourceIp` value: an IPv4/IPv6 address or CIDR, as IAM's IpAddress operator takes it. A
 * prefix of /0 is refused: it would pin the trust policy to every address and prove nothing.
 */
function isSourceIpEntry(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return bits >= 1 && bits <= (family === 4 ? 32 : 128);
}

/** ROLEGATE_EGRESS_IPS: comma-separated addresses/CIDRs (duplicates dropped, order kept). */
export function parseEgressIps(value: string | undefined): string[] {
  if (value === undefined) return [];
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bad = entries.findIndex((entry) => !isSourceIpEntry(entry));
  if (entries.length === 0 || bad !== -1) {
    throw new ConfigError(
      'ROLEGATE_EGRESS_IPS',
      `${bad === -1 ? 'lists no address' : `entry ${bad + 1} is not an IP address or CIDR`}: it must be a comma-separated list of Rolegate's egress addresses or CIDRs (e.g. 203.0.113.10,198.51.100.0/28,2001:db8::/56); /0 is refused`,
    );
  }
  if (entries.length > 100) throw new ConfigError('ROLEGATE_EGRESS_IPS', 'lists more than 100 entries');
  return [...new Set(entries)];
}

/** Reads `<NAME>_FILE` for secret variables; a variable and its _FILE together is an error. */
function resolveSecretFiles(env: Env, readFile: (path: string) => string): Env {
  const out: Env = { ...env };
  for (const name of SECRET_VARIABLES) {
    const filePath = env[`${name}_FILE`];
    if (filePath === undefined || filePath === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      throw new ConfigError(name, `and ${name}_FILE are both set; set only one`);
    }
    try {
      out[name] = readFile(filePath).trim();
    } catch {
      throw new ConfigError(`${name}_FILE`, 'points to a file that cannot be read');
    }
  }
  return out;
}

/** Parses the environment; throws ConfigError naming the first bad variable, never its value. */
export function loadConfig(
  env: Env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Config {
  const resolved = resolveSecretFiles(env, readFile);
  const parsed = envSchema.safeParse(resolved);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const problem = issue.code === 'invalid_value' ? 'has an unsupported value' : issue.message;
    throw new ConfigError(variable, problem);
  }
  const e = parsed.data;
  const masterKeys =
    e.ROLEGATE_MASTER_KEYS === undefined
      ? null
      : parseKeyList('ROLEGATE_MASTER_KEYS', e.ROLEGATE_MASTER_KEYS, 32, 32);
  const jwtKeys =
    e.ROLEGATE_JWT_KEYS === undefined ? null : parseKeyList('ROLEGATE_JWT_KEYS', e.ROLEGATE_JWT_KEYS, 32);
  let kms: KmsConfig | null = null;
  if (e.ROLEGATE_KMS_KEY_ID !== undefined) {
    if (e.ROLEGATE_DEPLOYMENT_ID === undefined) {
      throw new ConfigError(
        'ROLEGATE_DEPLOYMENT_ID',
        "is required with ROLEGATE_KMS_KEY_ID: it binds the data keys to this deployment (KMS encryption context rolegate:deployment), e.g. 'prod-eu'",
      );
    }
    kms = {
      keyId: e.ROLEGATE_KMS_KEY_ID,
      deploymentId: e.ROLEGATE_DEPLOYMENT_ID,
      refreshSeconds: e.ROLEGATE_KMS_REFRESH_INTERVAL,
    };
  }
  if (e.NODE_ENV === 'production') {
    if (masterKeys === null && kms === null)
      throw new ConfigError('ROLEGATE_MASTER_KEYS', 'is required in production (or set ROLEGATE_KMS_KEY_ID)');
    if (jwtKeys === null) throw new ConfigError('ROLEGATE_JWT_KEYS', 'is required in production');
    if (e.ROLEGATE_SMTP_URL !== undefined && e.ROLEGATE_PUBLIC_URL === undefined) {
      throw new ConfigError(
        'ROLEGATE_PUBLIC_URL',
        'is required when ROLEGATE_SMTP_URL is set (invitation links)',
      );
    }
    if (e.ROLEGATE_WEBHOOK_URL !== undefined && e.ROLEGATE_WEBHOOK_SECRET === undefined) {
      throw new ConfigError('ROLEGATE_WEBHOOK_SECRET', 'is required when ROLEGATE_WEBHOOK_URL is set');
    }
    if (e.ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES) {
      throw new ConfigError(
        'ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES',
        'must not be set in production: tenants could reach your internal network through their webhooks',
      );
    }
  }
  const signingKeys =
    e.ROLEGATE_AUDIT_SIGNING_KEYS === undefined
      ? null
      : parseKeyList('ROLEGATE_AUDIT_SIGNING_KEYS', e.ROLEGATE_AUDIT_SIGNING_KEYS, 32, 32);
  if (
    (signingKeys !== null || e.ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID !== undefined) &&
    e.ROLEGATE_DEPLOYMENT_ID === undefined
  ) {
    // Every checkpoint names its deployment, so one from another deployment is recognised as such.
    throw new ConfigError('ROLEGATE_DEPLOYMENT_ID', 'is required when audit checkpoints are signed');
  }
  const corsOrigins = (e.ROLEGATE_CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        'ROLEGATE_CORS_ORIGINS',
        'must be a comma-separated list of origins like https://app.example.com',
      );
    }
  }
  return {
    env: e.NODE_ENV,
    http: {
      port: e.PORT,
      host: e.HOST,
      bodyLimit: e.ROLEGATE_BODY_LIMIT,
      corsOrigins,
      cookieSecure: parseCookieSecure(e.ROLEGATE_COOKIE_SECURE, e.NODE_ENV),
      trustProxy: parseTrustProxy(e.ROLEGATE_TRUST_PROXY),
      jsonMaxDepth: e.ROLEGATE_JSON_MAX_DEPTH,
      publicUrl: e.ROLEGATE_PUBLIC_URL ?? null,
      headersTimeoutMs: e.ROLEGATE_HEADERS_TIMEOUT * 1000,
      requestTimeoutMs: e.ROLEGATE_REQUEST_TIMEOUT * 1000,
      connectionTimeoutMs: e.ROLEGATE_CONNECTION_TIMEOUT * 1000,
      keepAliveTimeoutMs: e.ROLEGATE_KEEP_ALIVE_TIMEOUT * 1000,
      uploadMinBytesPerSecond: e.ROLEGATE_UPLOAD_MIN_BYTES_PER_SECOND,
      uploadThroughputWindowMs: e.ROLEGATE_UPLOAD_THROUGHPUT_WINDOW * 1000,
      maxConnections: e.ROLEGATE_MAX_CONNECTIONS,
      maxConnectionsPerAddress: e.ROLEGATE_MAX_CONNECTIONS_PER_ADDRESS,
      streamStallTimeoutMs: e.ROLEGATE_STREAM_STALL_TIMEOUT * 1000,
    },
    log: { level: e.LOG_LEVEL },
    db: { url: e.DATABASE_URL, dataDir: e.ROLEGATE_DATA_DIR, poolSize: e.ROLEGATE_DB_POOL_SIZE },
    redisUrl: e.REDIS_URL,
    masterKeys,
    kms,
    secretsRefreshSeconds: e.ROLEGATE_SECRETS_REFRESH_INTERVAL,
    jwtKeys,
    auth: {
      accessTokenTtl: e.ROLEGATE_ACCESS_TOKEN_TTL,
      refreshMaxAge: e.ROLEGATE_REFRESH_MAX_AGE,
      refreshIdle: e.ROLEGATE_REFRESH_IDLE,
    },
    aws: {
      region: e.AWS_REGION,
      endpointUrl: e.AWS_ENDPOINT_URL,
      serviceEndpoints: awsServiceEndpoints(resolved),
      principalArn: e.ROLEGATE_AWS_PRINCIPAL_ARN,
      credentialCache: e.ROLEGATE_CREDENTIAL_CACHE,
      sessionDuration: e.ROLEGATE_SESSION_DURATION,
      verifyInterval: e.ROLEGATE_VERIFY_INTERVAL,
      externalIdGrace: e.ROLEGATE_EXTERNAL_ID_GRACE,
      templateUrl: e.ROLEGATE_TEMPLATE_URL ?? null,
      egressIps: parseEgressIps(e.ROLEGATE_EGRESS_IPS),
      stsGlobalBudget: { perMinute: e.ROLEGATE_STS_GLOBAL_PER_MINUTE, burst: e.ROLEGATE_STS_GLOBAL_BURST },
      maxSockets: e.ROLEGATE_AWS_MAX_SOCKETS,
      longMaxSockets: e.ROLEGATE_AWS_LONG_MAX_SOCKETS,
    },
    orgs: { createPerDay: e.ROLEGATE_ORG_CREATE_PER_DAY, maxOwned: e.ROLEGATE_ORG_MAX_OWNED },
    mail:
      e.ROLEGATE_SMTP_URL === undefined ? null : { smtpUrl: e.ROLEGATE_SMTP_URL, from: e.ROLEGATE_SMTP_FROM },
    webhook: {
      url: e.ROLEGATE_WEBHOOK_URL,
      secret: e.ROLEGATE_WEBHOOK_SECRET,
      allowPrivateAddresses: e.ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
      requireHttps: e.NODE_ENV === 'production',
      timeoutSeconds: e.ROLEGATE_WEBHOOK_TIMEOUT,
      threatSweepSeconds: e.ROLEGATE_THREAT_SWEEP_INTERVAL,
    },
    auditCheckpoints: {
      deployment: e.ROLEGATE_DEPLOYMENT_ID ?? null,
      signingKeys,
      kmsKeyId: e.ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID ?? null,
      intervalSeconds: e.ROLEGATE_AUDIT_CHECKPOINT_INTERVAL,
      exportIntervalSeconds: e.ROLEGATE_AUDIT_EXPORT_INTERVAL,
    },
    lanes: {
      short: { perOrg: e.ROLEGATE_AWS_ORG_MAX_CALLS, queuePerOrg: e.ROLEGATE_AWS_ORG_MAX_QUEUED_CALLS },
      long: {
        perOrg: e.ROLEGATE_AWS_ORG_MAX_LONG_CALLS,
        queuePerOrg: e.ROLEGATE_AWS_ORG_MAX_QUEUED_LONG_CALLS,
      },
      maxWaitMs: e.ROLEGATE_AWS_ORG_QUEUE_WAIT_MS,
    },
    scans: {
      maxRunning: e.ROLEGATE_SCAN_MAX_RUNNING,
      maxRunningPerOrg: e.ROLEGATE_SCAN_MAX_RUNNING_PER_ORG,
      maxActivePerOrg: e.ROLEGATE_SCAN_MAX_ACTIVE_PER_ORG,
      streamsPerPrincipal: e.ROLEGATE_SCAN_STREAMS_PER_PRINCIPAL,
      streamsPerOrg: e.ROLEGATE_SCAN_STREAMS_PER_ORG,
      streamMaxSeconds: e.ROLEGATE_SCAN_STREAM_MAX_SECONDS,
    },
    reconcile: {
      intervalSeconds: e.ROLEGATE_RECONCILE_INTERVAL,
      skewSeconds: e.ROLEGATE_RECONCILE_SKEW_SECONDS,
    },
    operations: {
      maxDownloadBytes: e.ROLEGATE_S3_MAX_DOWNLOAD_BYTES,
      maxUploadBytes: e.ROLEGATE_S3_MAX_UPLOAD_BYTES,
    },
    rateLimit: {
      auth: { max: e.ROLEGATE_RATE_LIMIT_AUTH_MAX, windowSeconds: e.ROLEGATE_RATE_LIMIT_AUTH_WINDOW },
      api: { max: e.ROLEGATE_RATE_LIMIT_API_MAX, windowSeconds: e.ROLEGATE_RATE_LIMIT_API_WINDOW },
      expensive: {
        max: e.ROLEGATE_RATE_LIMIT_EXPENSIVE_MAX,
        windowSeconds: e.ROLEGATE_RATE_LIMIT_EXPENSIVE_WINDOW,
      },
      failedAuth: {
        max: e.ROLEGATE_RATE_LIMIT_FAILED_AUTH_MAX,
        windowSeconds: e.ROLEGATE_RATE_LIMIT_FAILED_AUTH_WINDOW,
      },
      cacheSize: e.ROLEGATE_RATE_LIMIT_CACHE_SIZE,
      keyPrefix: e.ROLEGATE_RATE_LIMIT_PREFIX,
    },
    pressure: {
      maxEventLoopDelayMs: e.ROLEGATE_PRESSURE_MAX_EVENT_LOOP_DELAY,
      maxHeapUsedBytes: e.ROLEGATE_PRESSURE_MAX_HEAP_BYTES,
      maxRssBytes: e.ROLEGATE_PRESSURE_MAX_RSS_BYTES,
      sampleIntervalMs: e.ROLEGATE_PRESSURE_SAMPLE_INTERVAL,
      retryAfterSeconds: e.ROLEGATE_PRESSURE_RETRY_AFTER,
    },
  };
}

/** `AWS_ENDPOINT_URL_<SERVICE>=http(s)://…` variables; anything else is refused by name, never by value. */
function awsServiceEndpoints(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(env)) {
    const service = /^AWS_ENDPOINT_URL_([A-Z0-9_]{1,64})$/.exec(name)?.[1];
    const value = raw?.trim();
    if (service === undefined || value === undefined || value === '') continue;
    if (!/^https?:\/\/\S+$/.test(value)) throw new ConfigError(name, 'must be an http(s) URL');
    out[service] = value;
  }
  return out;
}

/** A config whose keys are known to be present (after development keys were resolved). */
export type ReadyConfig = Config & { masterKeys: KeyEntry[]; jwtKeys: KeyEntry[] };
