#!/usr/bin/env node
// Rolegate audit verifier: checks an NDJSON audit export against signed checkpoints, without a
// Rolegate server and without any dependency (node:crypto only; Node.js 20 or later).
//
//   node verify.mjs --export audit.ndjson --checkpoints ./checkpoints --keys keys.json [--org org_…]
//
// Exit status: 0 everything verified, 2 the export or a checkpoint does not verify, 1 usage error.
// The formats are specified in Rolegate's docs/audit.md; this file must stay byte-compatible with
// src/audit/chain.ts (record hash) and src/audit/checkpoints/format.ts (checkpoint bytes).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const AUDIT_FORMAT = 'rolegate.audit.v1';

/** Ed25519 over the bytes; ES256: SHA-256, signature r||s of exactly 64 bytes (RFC 7518 §3.4). */
function verifySignature(alg, bytes, key, sig) {
  if (alg === 'EdDSA') return verify(null, bytes, key, sig);
  return sig.length === 64 && verify('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }, sig);
}
const CHECKPOINT_FORMAT = 'rolegate-audit-checkpoint/v1';
const ZERO = '0'.repeat(64);

function usage(message) {
  process.stderr.write(`audit-verify: ${message}\n`);
  process.stderr.write(
    'usage: node verify.mjs --export <file.ndjson> --checkpoints <dir> --keys <keys.json|key.pem> [--org <id>] [--deployment <id>] [--json]\n',
  );
  process.exit(1);
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') out.json = true;
    else if (['--export', '--checkpoints', '--keys', '--org', '--deployment'].includes(a)) {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      out[a.slice(2)] = v;
    } else usage(`unknown argument ${a}`);
  }
  return out;
}

/** Canonical JSON: keys sorted by UTF-16 code unit, no whitespace (src/audit/chain.ts). */
function canonicalJson(value) {
  if (value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`unsupported value ${typeof value}`);
}

function personal(raw, ref) {
  if (ref !== null && ref !== undefined) return { ref };
  return raw === null || raw === undefined ? null : { value: raw };
}

/** SHA-256 of the canonical record (the export omits chain and orgId: they are the organisation). */
function recordHash(r, chain) {
  const text = canonicalJson({
    format: AUDIT_FORMAT,
    id: r.id,
    chain,
    orgId: chain === '_system' ? null : chain,
    seq: r.seq,
    createdAt: r.createdAt,
    actorType: r.actorType,
    actor: personal(r.actorId, r.actorRef),
    action: r.action,
    outcome: r.outcome,
    targetType: r.targetType,
    target: personal(r.targetId, r.targetRef),
    connectionId: r.connectionId,
    operation: r.operation,
    resource: r.resource,
    errorCode: r.errorCode,
    requestId: r.requestId,
    ip: personal(r.ip, r.ipRef),
    userAgent: personal(r.userAgent, r.userAgentRef),
    details: r.details,
    prevHash: r.prevHash,
  });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const PATTERNS = {
  deployment: /^[A-Za-z0-9._-]{1,64}$/,
  org: /^[A-Za-z0-9._-]{1,128}$/,
  head: /^[0-9a-f]{64}$/,
  prev: /^[0-9a-f]{64}$/,
  time: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
  kid: /^[A-Za-z0-9._:/-]{1,256}$/,
  alg: /^(EdDSA|ES256)$/,
};

/** The signed bytes of a checkpoint (src/audit/checkpoints/format.ts), or null when malformed. */
function signedBytes(c) {
  for (const [field, re] of Object.entries(PATTERNS))
    if (typeof c[field] !== 'string' || !re.test(c[field])) return null;
  for (const field of ['n', 'seq']) if (!Number.isSafeInteger(c[field]) || c[field] < 1) return null;
  return Buffer.from(
    `${CHECKPOINT_FORMAT}\ndeployment=${c.deployment}\norg=${c.org}\nn=${c.n}\nseq=${c.seq}\nhead=${c.head}\n` +
      `time=${c.time}\nprev=${c.prev}\nkid=${c.kid}\nalg=${c.alg}\n`,
    'utf8',
  );
}

function loadKeys(path) {
  const text = readFileSync(path, 'utf8');
  if (text.includes('-----BEGIN PUBLIC KEY-----')) {
    return { deployment: null, pem: createPublicKey(text), keys: new Map() };
  }
  const doc = JSON.parse(text);
  if (doc.format !== 'rolegate-audit-keys/v1' || !Array.isArray(doc.keys))
    usage('--keys is not a rolegate-audit-keys/v1 document');
  const keys = new Map();
  for (const k of doc.keys) {
    keys.set(k.kid, {
      alg: k.alg,
      key: createPublicKey({ key: k.jwk, format: 'jwk' }),
      from: Date.parse(k.validFrom),
      until: k.validUntil === null ? Number.POSITIVE_INFINITY : Date.parse(k.validUntil),
    });
  }
  return { deployment: typeof doc.deployment === 'string' ? doc.deployment : null, pem: null, keys };
}

function readCheckpoints(dir) {
  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) files.push(p);
    }
  };
  walk(dir);
  return files.map((p) => {
    let c = null;
    try {
      c = JSON.parse(readFileSync(p, 'utf8'));
    } catch {
      c = null;
    }
    return { c, source: relative(dir, p) };
  });
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.export || !args.checkpoints || !args.keys)
    usage('--export, --checkpoints and --keys are required');
  const keys = loadKeys(args.keys);
  const inputs = readCheckpoints(args.checkpoints);
  const org = args.org ?? inputs.find((i) => i.c && typeof i.c.org === 'string')?.c.org;
  if (!org) usage('no checkpoint names an organisation: pass --org');
  const deployment = args.deployment ?? keys.deployment;
  if (!deployment) usage('the keys name no deployment: pass --deployment');

  const problems = [];
  // 1. The export: every record re-hashed and linked to the one before it.
  const hashes = new Map();
  const lines = readFileSync(args.export, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  let prev = null;
  let prevSeq = null;
  for (const [i, line] of lines.entries()) {
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      problems.push({ where: `export line ${i + 1}`, reason: 'malformed' });
      continue;
    }
    if (prevSeq !== null && r.seq !== prevSeq + 1)
      problems.push({ where: `seq ${prevSeq + 1}`, reason: 'record_missing' });
    if (prev === null && r.seq === 1 && r.prevHash !== ZERO)
      problems.push({ where: 'seq 1', reason: 'broken_link' });
    if (prev !== null && r.prevHash !== prev) problems.push({ where: `seq ${r.seq}`, reason: 'broken_link' });
    if (recordHash(r, org) !== r.hash) problems.push({ where: `seq ${r.seq}`, reason: 'record_modified' });
    hashes.set(r.seq, r.hash);
    prev = r.hash;
    prevSeq = r.seq;
  }
  const firstSeq = lines.length > 0 ? JSON.parse(lines[0]).seq : null;

  // 2. The checkpoints: signature, deployment, organisation, key validity, links; then the export.
  const genuine = [];
  for (const { c, source } of inputs) {
    const bytes = c && c.format === CHECKPOINT_FORMAT ? signedBytes(c) : null;
    if (bytes === null) {
      problems.push({ where: source, reason: 'malformed' });
      continue;
    }
    const where = `checkpoint #${c.n} (${source})`;
    if (c.deployment !== deployment) problems.push({ where, reason: 'wrong_deployment' });
    else if (c.org !== org) problems.push({ where, reason: 'wrong_organisation' });
    else {
      const k =
        keys.pem !== null
          ? { alg: c.alg, key: keys.pem, from: 0, until: Number.POSITIVE_INFINITY }
          : keys.keys.get(c.kid);
      const t = Date.parse(c.time);
      if (k === undefined) problems.push({ where, reason: 'unknown_key' });
      else if (k.alg !== c.alg || t < k.from || t > k.until)
        problems.push({ where, reason: 'key_not_valid_then' });
      else {
        let ok = false;
        try {
          ok =
            createHash('sha256').update(bytes).digest('hex') === c.hash &&
            verifySignature(c.alg, bytes, k.key, Buffer.from(c.signature, 'base64'));
        } catch {
          ok = false;
        }
        if (!ok) problems.push({ where, reason: 'bad_signature' });
        else genuine.push({ c, where });
      }
    }
  }
  genuine.sort((a, b) => a.c.n - b.c.n);
  let last = null;
  let firstContradicted = null;
  let covered = 0;
  for (const { c, where } of genuine) {
    if (last !== null && c.n === last.n) continue;
    if (last === null ? c.n !== 1 || c.prev !== ZERO : c.n !== last.n + 1 || c.prev !== last.hash) {
      problems.push({ where, reason: 'gap' });
    }
    last = c;
    if (firstSeq === null || c.seq < firstSeq || c.seq > prevSeq) continue; // not in this export
    covered += 1;
    if (hashes.get(c.seq) !== c.head) {
      problems.push({ where, reason: 'contradicted' });
      firstContradicted ??= { n: c.n, seq: c.seq };
    }
  }

  const result = {
    valid: problems.length === 0,
    org,
    deployment,
    records: lines.length,
    checkpoints: inputs.length,
    checkpointsCoveredByExport: covered,
    firstContradicted,
    problems,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `${result.valid ? 'ok    ' : 'BROKEN'}  ${org}: ${lines.length} records, ${inputs.length} checkpoints (${covered} within the export)\n`,
    );
    if (firstContradicted)
      process.stdout.write(
        `        first contradicted: checkpoint #${firstContradicted.n} (seq ${firstContradicted.seq})\n`,
      );
    for (const p of problems) process.stdout.write(`        ${p.where}: ${p.reason}\n`);
  }
  process.exit(result.valid ? 0 : 2);
}

main();
